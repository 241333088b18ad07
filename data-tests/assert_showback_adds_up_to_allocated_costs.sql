-- fct_showback_monthly adds up exactly to fct_allocated_costs, per billing month, business unit
-- and cost center (the `unallocated` bucket being a row of its own), wherever its amounts are
-- known (a row with a part lacking an FX rate is null by design), and each row's effective cost
-- is its direct + shared + unallocated parts. Fails with each differing row.
with

allocated as (
    select
        billing_month,
        coalesce(business_unit, 'unallocated') as business_unit,
        coalesce(cost_center, 'unallocated') as cost_center,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting
    from {{ ref('fct_allocated_costs') }}
    group by
        billing_month,
        coalesce(business_unit, 'unallocated'),
        coalesce(cost_center, 'unallocated')
),

showback as (
    select * from {{ ref('fct_showback_monthly') }}
)

select
    coalesce(allocated.billing_month, showback.billing_month) as billing_month,
    coalesce(allocated.business_unit, showback.business_unit) as business_unit,
    coalesce(allocated.cost_center, showback.cost_center) as cost_center,
    allocated.effective_cost_reporting as allocated_effective_cost_reporting,
    showback.effective_cost_reporting as showback_effective_cost_reporting
from allocated
full outer join showback
    on
        allocated.billing_month = showback.billing_month
        and allocated.business_unit = showback.business_unit
        and allocated.cost_center = showback.cost_center
where
    allocated.billing_month is null
    or showback.billing_month is null
    or (
        showback.effective_cost_reporting is not null
        and (
            showback.effective_cost_reporting <> allocated.effective_cost_reporting
            or showback.billed_cost_reporting <> allocated.billed_cost_reporting
            -- decimal(36, 12) parts: a sum of three decimal(38, 12) would lose its last
            -- decimals on Spark (docs/engines.md), never on DuckDB
            or showback.effective_cost_reporting
            <> cast(showback.direct_effective_cost_reporting as decimal(36, 12))
            + cast(showback.shared_effective_cost_reporting as decimal(36, 12))
            + cast(showback.unallocated_effective_cost_reporting as decimal(36, 12))
        )
    )

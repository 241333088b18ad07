with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

compared as (
    select * from {{ ref('int_allocated_costs_compared_to_closed_months') }}
),

closed_months as (
    select distinct billing_month from compared
),

-- open months: the figures of the current data
open_month_rows as (
    select
        allocated_costs.billing_month,
        allocated_costs.billing_currency,
        allocated_costs.service_id,
        'current' as row_type,
        cast(null as date) as adjusted_month,
        sum(allocated_costs.billed_cost_billing) as billed_cost_billing,
        sum(allocated_costs.effective_cost_billing) as effective_cost_billing,
        sum(allocated_costs.billed_cost_reporting) as billed_cost_reporting,
        sum(allocated_costs.effective_cost_reporting) as effective_cost_reporting
    from allocated_costs
    left join closed_months
        on allocated_costs.billing_month = closed_months.billing_month
    where closed_months.billing_month is null
    group by
        allocated_costs.billing_month,
        allocated_costs.billing_currency,
        allocated_costs.service_id
),

-- closed months: the figures frozen at the close
closed_month_rows as (
    select
        billing_month,
        billing_currency,
        service_id,
        'closed' as row_type,
        cast(null as date) as adjusted_month,
        closed_billed_cost_billing as billed_cost_billing,
        closed_effective_cost_billing as effective_cost_billing,
        closed_billed_cost_reporting as billed_cost_reporting,
        closed_effective_cost_reporting as effective_cost_reporting
    from compared
    where
        closed_billed_cost_billing <> 0
        or closed_effective_cost_billing <> 0
        or closed_billed_cost_reporting <> 0
        or closed_effective_cost_reporting <> 0
),

-- what changed in a closed month since its close, booked in the next open month
adjustment_rows as (
    select
        next_open_month as billing_month,
        billing_currency,
        service_id,
        'adjustment' as row_type,
        billing_month as adjusted_month,
        adjustment_billed_cost_billing as billed_cost_billing,
        adjustment_effective_cost_billing as effective_cost_billing,
        adjustment_billed_cost_reporting as billed_cost_reporting,
        adjustment_effective_cost_reporting as effective_cost_reporting
    from compared
    where
        next_open_month is not null
        and (
            adjustment_billed_cost_billing <> 0
            or adjustment_effective_cost_billing <> 0
            or adjustment_billed_cost_reporting <> 0
            or adjustment_effective_cost_reporting <> 0
        )
),

unioned as (
    select * from open_month_rows
    union all
    select * from closed_month_rows
    union all
    select * from adjustment_rows
),

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(billing_currency as string) as billing_currency,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        cast(row_type as string) as row_type,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(adjusted_month as date) as adjusted_month
    from unioned
)

select * from final

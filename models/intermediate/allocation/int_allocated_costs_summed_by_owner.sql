with

allocated_costs as (
    select * from {{ ref('int_allocated_costs_summed_by_service_version') }}
),

-- The `unallocated` bucket is a showback row of its own, so the business units add up to the
-- month's whole allocated cost.
costs_by_owner as (
    select
        billing_month,
        coalesce(business_unit, 'unallocated') as business_unit,
        coalesce(cost_center, 'unallocated') as cost_center,
        reporting_currency,
        service_id,
        billed_cost_reporting,
        effective_cost_reporting,
        case
            when allocation_method in ('direct', 'central') then effective_cost_reporting
            else 0
        end as direct_effective_cost_reporting,
        case
            when allocation_method like 'shared_%' then effective_cost_reporting
            else 0
        end as shared_effective_cost_reporting,
        case
            when allocation_method = 'unallocated' then effective_cost_reporting
            else 0
        end as unallocated_effective_cost_reporting,
        case
            when is_idle_cost then effective_cost_reporting
            else 0
        end as idle_effective_cost_reporting
    from allocated_costs
),

-- A sum with a part lacking an FX rate is null (never partial): the currency gate reports it.
monthly as (
    select
        billing_month,
        business_unit,
        cost_center,
        reporting_currency,
        {% for amount in frozen_mart_amounts('fct_showback_monthly') -%}
        {{ fx_safe_sum(amount, known='effective_cost_reporting') }} as {{ amount }},
        {% endfor -%}
        count(distinct case when service_id <> 'unallocated' then service_id end)
            as service_count
    from costs_by_owner
    group by
        billing_month,
        business_unit,
        cost_center,
        reporting_currency
),

final as (
    select
        -- dimensions
        cast(billing_month as date) as billing_month,
        cast(business_unit as string) as business_unit,
        cast(cost_center as string) as cost_center,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(direct_effective_cost_reporting as decimal(38, 12))
            as direct_effective_cost_reporting,
        cast(shared_effective_cost_reporting as decimal(38, 12))
            as shared_effective_cost_reporting,
        cast(unallocated_effective_cost_reporting as decimal(38, 12))
            as unallocated_effective_cost_reporting,
        cast(idle_effective_cost_reporting as decimal(38, 12)) as idle_effective_cost_reporting,
        cast(service_count as bigint) as service_count
    from monthly
)

select * from final

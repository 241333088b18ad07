{#- The allocated cost of each service and month split into its parts: direct (placed at the
    service by a mapping rule, or an unused commitment kept centrally at it), shared (its part
    of shared pools) and unallocated (the explicit bucket). -#}

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

-- the months with current billing charges; later months only hold the scheduled amortization
-- of prepaid invoices
billed_months as (
    select distinct billing_month
    from {{ ref('fct_cost_by_service_monthly') }}
),

costs_by_part as (
    select
        billing_month,
        service_id,
        coalesce(business_unit, 'unallocated') as business_unit,
        reporting_currency,
        effective_cost_reporting,
        case
            when allocation_method in ('direct', 'central') then effective_cost_reporting
        end as direct_effective_cost_reporting,
        case
            when allocation_method like 'shared_%' then effective_cost_reporting
        end as shared_effective_cost_reporting,
        case
            when allocation_method = 'unallocated' then effective_cost_reporting
        end as unallocated_effective_cost_reporting
    from allocated_costs
),

-- A sum with a part lacking an FX rate is null (never partial); a part the service does not
-- have in the month is null too.
monthly as (
    select
        billing_month,
        service_id,
        business_unit,
        reporting_currency,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting,
        {% for part in ['direct', 'shared', 'unallocated'] -%}
        {{ fx_safe_sum(part ~ '_effective_cost_reporting', known='effective_cost_reporting') }}
            as {{ part }}_effective_cost_reporting,
        {% endfor -%}
        count(*) as allocated_row_count
    from costs_by_part
    group by
        billing_month,
        service_id,
        business_unit,
        reporting_currency
),

final as (
    select
        -- ids
        cast(monthly.service_id as string) as service_id,
        -- strings
        cast(monthly.business_unit as string) as business_unit,
        cast(monthly.reporting_currency as string) as reporting_currency,
        -- numerics
        cast(monthly.effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(monthly.direct_effective_cost_reporting as decimal(38, 12))
            as direct_effective_cost_reporting,
        cast(monthly.shared_effective_cost_reporting as decimal(38, 12))
            as shared_effective_cost_reporting,
        cast(monthly.unallocated_effective_cost_reporting as decimal(38, 12))
            as unallocated_effective_cost_reporting,
        cast(monthly.allocated_row_count as bigint) as allocated_row_count,
        -- booleans
        monthly.service_id = 'unallocated' as is_unallocated_bucket,
        billed_months.billing_month is not null as has_billed_charges,
        -- dates
        cast(monthly.billing_month as date) as billing_month
    from monthly
    left join billed_months on monthly.billing_month = billed_months.billing_month
)

select * from final

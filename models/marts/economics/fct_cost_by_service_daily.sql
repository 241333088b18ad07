with

-- Read from the allocation's charge groups (day grain, one pass over the charges, incremental
-- by month), so this mart does not scan the charge-level tables of every month on each build.
charge_groups as (
    select
        service_id,
        charge_date,
        billed_cost_reporting,
        effective_cost_reporting,
        charge_count,
        missing_fx_rate_count
    from {{ ref('int_charges_grouped_for_allocation') }}
),

services as (
    select * from {{ ref('dim_services') }}
),

-- Direct cost only: each current charge at the service its mapping rule names, on its charge
-- date. Shared pools are allocated per month (fct_allocated_costs) and have no daily grain, so
-- their cost stays here on the shared service that carries it (shared-platform, ...). A day's
-- reporting amount is null when one of its charges has no FX rate (never a partial sum).
costs_by_service_and_day as (
    select
        service_id,
        charge_date as cost_date,
        sum(charge_count) as charge_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count,
        {{ fx_safe_sum('billed_cost_reporting', missing_count='missing_fx_rate_count') }}
            as billed_cost_reporting,
        {{ fx_safe_sum('effective_cost_reporting', missing_count='missing_fx_rate_count') }}
            as effective_cost_reporting
    from charge_groups
    group by
        service_id,
        charge_date
),

final as (
    select
        -- ids
        cast(costs_by_service_and_day.service_id as string) as service_id,
        -- strings: the catalog version valid on the day
        cast(services.service_type as string) as service_type,
        cast(services.business_unit as string) as business_unit,
        cast(services.cost_center as string) as cost_center,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(costs_by_service_and_day.billed_cost_reporting as decimal(38, 12))
            as billed_cost_reporting,
        cast(costs_by_service_and_day.effective_cost_reporting as decimal(38, 12))
            as effective_cost_reporting,
        cast(costs_by_service_and_day.charge_count as bigint) as charge_count,
        cast(costs_by_service_and_day.missing_fx_rate_count as bigint) as missing_fx_rate_count,
        -- dates
        cast(costs_by_service_and_day.cost_date as date) as cost_date,
        cast(date_trunc('month', costs_by_service_and_day.cost_date) as date) as cost_month
    from costs_by_service_and_day
    left join services
        on
            costs_by_service_and_day.service_id = services.service_id
            and {{ is_valid_on('services', 'costs_by_service_and_day.cost_date') }}
)

select * from final

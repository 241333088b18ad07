-- Deployments against cost, per service and day. A service's cost of a day is its direct cost
-- (the current charges its mapping rule names, on their charge date, as fct_cost_by_service_daily)
-- plus its pods' part of the cluster node cost (int_container_costs_allocated_by_hour). Shared
-- pools are allocated per month and have no daily grain, so they are not in it; the cluster's
-- node charges are also in the direct cost of the service that owns the nodes, so the column is
-- a per-service view and does not add up across services. Deployments count when they went to
-- production (an export without an environment is taken as production).
with

charge_groups as (
    select
        service_id,
        charge_date,
        effective_cost_reporting,
        missing_fx_rate_count
    from {{ ref('int_charges_grouped_for_allocation') }}
),

container_costs as (
    select * from {{ ref('int_container_costs_allocated_by_hour') }}
    where not is_idle and service_id is not null
),

deploy_events as (
    select * from {{ ref('stg_telemetry__deploy_events') }}
    where coalesce(environment, 'production') in ('production', 'prod')
),

direct_costs as (
    select
        service_id,
        charge_date as cost_date,
        {{ fx_safe_sum('effective_cost_reporting', missing_count='missing_fx_rate_count') }}
            as effective_cost_reporting
    from charge_groups
    group by
        service_id,
        charge_date
),

pod_costs as (
    select
        service_id,
        cost_date,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting
    from container_costs
    group by
        service_id,
        cost_date
),

deploys as (
    select
        service_id,
        deploy_date as cost_date,
        count(*) as deploy_count,
        {{ string_agg_sorted('deployed_version', "', '") }} as deployed_versions
    from deploy_events
    group by
        service_id,
        deploy_date
),

service_days as (
    select
        service_id,
        cost_date
    from direct_costs
    union
    select
        service_id,
        cost_date
    from pod_costs
    union
    select
        service_id,
        cost_date
    from deploys
),

-- a day's cost is null when a part of it lacks an FX rate; a part the service does not have
-- (no direct charge, no pod) is 0
daily_costs as (
    select
        service_days.service_id,
        service_days.cost_date,
        coalesce(deploys.deploy_count, 0) as deploy_count,
        deploys.deployed_versions,
        -- (the operands narrowed to decimal(37, 12): their sum fits decimal(38, 12) on Spark too)
        cast(
            cast(
                case
                    when direct_costs.service_id is null then 0
                    else direct_costs.effective_cost_reporting
                end as decimal(37, 12)
            )
            + cast(
                case
                    when pod_costs.service_id is null then 0
                    else pod_costs.effective_cost_reporting
                end as decimal(37, 12)
            ) as decimal(38, 12)
        ) as effective_cost_reporting,
        direct_costs.service_id is not null or pod_costs.service_id is not null as has_cost_data
    from service_days
    left join direct_costs
        on
            service_days.service_id = direct_costs.service_id
            and service_days.cost_date = direct_costs.cost_date
    left join pod_costs
        on
            service_days.service_id = pod_costs.service_id
            and service_days.cost_date = pod_costs.cost_date
    left join deploys
        on
            service_days.service_id = deploys.service_id
            and service_days.cost_date = deploys.cost_date
),

final as (
    select
        -- ids
        today.service_id,
        -- strings
        today.deployed_versions,
        '{{ reporting_currency() }}' as reporting_currency,
        -- numerics
        today.deploy_count,
        case when today.has_cost_data then today.effective_cost_reporting end
            as effective_cost_reporting,
        case when yesterday.has_cost_data then yesterday.effective_cost_reporting end
            as previous_day_cost_reporting,
        case
            when today.has_cost_data and yesterday.has_cost_data
                then {{ decimal_subtract(
                    'today.effective_cost_reporting', 'yesterday.effective_cost_reporting'
                ) }}
        end as cost_change_reporting,
        -- dates
        today.cost_date
    from daily_costs as today
    left join daily_costs as yesterday
        on
            today.service_id = yesterday.service_id
            and cast({{ dbt.dateadd('day', -1, 'today.cost_date') }} as date) = yesterday.cost_date
)

select * from final

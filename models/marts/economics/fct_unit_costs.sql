{#- unit cost name -> (cost column divided, volume column it divides by) (see final): the CI
    build is priced by the runner time of the builds, every other unit by the fully allocated
    cost -#}
{%- set unit_costs = {
    'request': ('effective_cost_reporting', 'request_count'),
    'active_user': ('effective_cost_reporting', 'active_users_avg_daily'),
    'ci_build': ('ci_runner_cost_reporting', 'ci_build_count'),
    'cpu_core_hour': ('effective_cost_reporting', 'cpu_core_hours'),
    'gb_month': ('effective_cost_reporting', 'storage_gb_months'),
} -%}

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

service_metric_days as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
),

services as (
    select * from {{ ref('dim_services') }}
),

ci_runner_costs as (
    select * from {{ ref('int_ci_runner_costs_allocated_to_services') }}
),

-- The fully allocated cost of the service: every row fct_allocated_costs places at it (direct,
-- shared-pool parts, central idle cost), effective (amortized) view, reporting currency, all
-- catalog versions of the month together. Null when a part has no FX rate (never partial).
service_costs as (
    select
        service_id,
        billing_month,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting,
        {{ fx_safe_sum(
            "case when allocation_method like 'shared_%' then effective_cost_reporting else 0 end",
            known='effective_cost_reporting',
        ) }} as shared_effective_cost_reporting
    from allocated_costs
    where service_id <> 'unallocated'
    group by
        service_id,
        billing_month
),

-- Driver volumes of the month. Flows (requests, builds, core-hours) are summed over the days;
-- levels measured daily (active users, storage) are averaged over the calendar days of the
-- month (sum / days in month: user-months, GB-months), so a service that starts mid-month
-- counts its live days only, like its cost. A metric never measured in the month stays null.
service_volumes as (
    select
        service_id,
        usage_month as billing_month,
        sum(case when metric_name = 'requests' then metric_value end) as request_count,
        sum(case when metric_name = 'active_users' then metric_value end) as active_user_days,
        sum(case when metric_name = 'ci_builds' then metric_value end) as ci_build_count,
        sum(case when metric_name = 'cpu_core_hours' then metric_value end) as cpu_core_hours,
        sum(case when metric_name = 'storage_gb' then metric_value end) as storage_gb_days
    from service_metric_days
    where metric_name in ('requests', 'active_users', 'ci_builds', 'cpu_core_hours', 'storage_gb')
    group by
        service_id,
        usage_month
),

service_months as (
    select
        service_id,
        billing_month
    from service_costs
    union
    -- telemetry of a service the catalog does not know has no cost to divide
    select
        service_id,
        billing_month
    from service_volumes
    where service_id in (select services.service_id from services)
),

service_months_with_days as (
    select
        service_id,
        billing_month,
        cast({{ dbt.dateadd('month', 1, 'billing_month') }} as date) as next_month,
        {{ dbt.datediff(
            'billing_month',
            'cast(' ~ dbt.dateadd('month', 1, 'billing_month') ~ ' as date)',
            'day'
        ) }} as days_in_month
    from service_months
),

-- The catalog version of the month's end (the latest version valid in the month) names the
-- service and its business unit; fct_showback_monthly splits a month with an owner change.
month_end_versions_ranked as (
    select
        service_months_with_days.service_id,
        service_months_with_days.billing_month,
        services.service_name,
        services.service_type,
        services.business_unit,
        row_number() over (
            partition by service_months_with_days.service_id, service_months_with_days.billing_month
            order by services.valid_from desc
        ) as version_order
    from service_months_with_days
    inner join services
        on
            service_months_with_days.service_id = services.service_id
            and {{ is_valid_during(
                'services',
                'service_months_with_days.billing_month',
                'service_months_with_days.next_month',
            ) }}
),

month_end_versions as (
    select * from month_end_versions_ranked
    where version_order = 1
),

service_months_measured as (
    select
        service_months_with_days.service_id,
        service_months_with_days.billing_month,
        service_months_with_days.days_in_month,
        month_end_versions.service_name,
        month_end_versions.service_type,
        month_end_versions.business_unit,
        service_costs.service_id is not null as has_allocated_cost,
        case
            when service_costs.service_id is null then 0
            else service_costs.effective_cost_reporting
        end as effective_cost_reporting,
        case
            when service_costs.service_id is null then 0
            else service_costs.shared_effective_cost_reporting
        end as shared_effective_cost_reporting,
        service_volumes.request_count,
        {{ decimal_divide(
            'service_volumes.active_user_days', 'service_months_with_days.days_in_month'
        ) }} as active_users_avg_daily,
        service_volumes.ci_build_count,
        ci_runner_costs.ci_runner_minutes,
        ci_runner_costs.ci_runner_cost_reporting,
        ci_runner_costs.billing_month is not null as has_ci_bill,
        service_volumes.cpu_core_hours,
        {{ decimal_divide(
            'service_volumes.storage_gb_days', 'service_months_with_days.days_in_month'
        ) }} as storage_gb_months
    from service_months_with_days
    left join month_end_versions
        on
            service_months_with_days.service_id = month_end_versions.service_id
            and service_months_with_days.billing_month = month_end_versions.billing_month
    left join service_costs
        on
            service_months_with_days.service_id = service_costs.service_id
            and service_months_with_days.billing_month = service_costs.billing_month
    left join service_volumes
        on
            service_months_with_days.service_id = service_volumes.service_id
            and service_months_with_days.billing_month = service_volumes.billing_month
    left join ci_runner_costs
        on
            service_months_with_days.service_id = ci_runner_costs.service_id
            and service_months_with_days.billing_month = ci_runner_costs.billing_month
),

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(service_name as string) as service_name,
        cast(service_type as string) as service_type,
        cast(business_unit as string) as business_unit,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics: the fully allocated cost
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        {{ decimal_subtract('effective_cost_reporting', 'shared_effective_cost_reporting') }}
            as direct_effective_cost_reporting,
        cast(shared_effective_cost_reporting as decimal(38, 12))
            as shared_effective_cost_reporting,
        -- numerics: the CI runner time and its part of the CI bill
        cast(ci_runner_minutes as decimal(38, 12)) as ci_runner_minutes,
        cast(ci_runner_cost_reporting as decimal(38, 12)) as ci_runner_cost_reporting,
        -- numerics: driver volumes and unit costs, each unit cost beside its volume
        {% for unit, (cost, volume) in unit_costs.items() -%}
        {%- set is_ci = cost == 'ci_runner_cost_reporting' -%}
        {%- set has_cost = 'has_ci_bill' if is_ci else 'has_allocated_cost' -%}
        {%- set no_cost_reason = 'no_ci_bill' if is_ci else 'no_allocated_cost' -%}
        cast({{ volume }} as decimal(38, 12)) as {{ volume }},
        cast(
            case
                when {{ has_cost }} then {{ decimal_divide(cost, volume) }}
            end as decimal(38, 12)
        ) as cost_per_{{ unit }}_reporting,
        cast(
            case
                when {{ has_cost }} and {{ cost }} is null then 'missing_fx_rate'
                when not {{ has_cost }} then '{{ no_cost_reason }}'
                when {{ volume }} is null then 'no_telemetry'
                when {{ volume }} = 0 then 'zero_volume'
            end as string
        ) as cost_per_{{ unit }}_null_reason,
        {% endfor -%}
        cast(days_in_month as integer) as days_in_month,
        -- booleans
        has_allocated_cost,
        -- dates
        cast(billing_month as date) as billing_month
    from service_months_measured
)

select * from final

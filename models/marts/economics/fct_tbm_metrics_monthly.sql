{%- set observability_sub_towers = var('observability_sub_towers') | join("', '") -%}
{%- set observability_sub_towers = "'" ~ observability_sub_towers ~ "'" -%}

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

service_metric_days as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
),

slo_windows as (
    select * from {{ ref('int_slo_windows_scored_by_day') }}
),

unit_costs as (
    select * from {{ ref('fct_unit_costs') }}
),

metric_definitions as (
    select * from {{ ref('tbm_metrics') }}
),

metric_targets as (
    select * from {{ ref('metric_targets') }}
),

commitment_sums as (
    select * from {{ ref('int_commitment_costs_summed_by_month') }}
),

month_sources as (
    select * from {{ ref('int_month_sources_dated_by_availability') }}
),

-- Billing months: months with cloud cost in the allocation. Later months hold only the
-- scheduled amortization of prepaid invoices; their cost metrics would compare a part with a
-- whole, so cost-based metrics cover billing months only.
billing_months as (
    select distinct billing_month
    from allocated_costs
    where source_type = 'cloud'
),

-- Fully allocated effective cost per scope: the month, each business unit (of the catalog
-- version of the cost's days), each service (the `unallocated` bucket only in the total).
costs_tagged as (
    select
        billing_month,
        service_id,
        business_unit,
        effective_cost_reporting,
        case when service_id = 'unallocated' then effective_cost_reporting else 0 end
            as unallocated_cost_reporting,
        case
            when sub_tower in ({{ observability_sub_towers }}) then effective_cost_reporting
            else 0
        end as observability_cost_reporting
    from allocated_costs
),

costs_by_scope as (
    select
        billing_month,
        'total' as scope_type,
        'all' as scope_id,
        effective_cost_reporting,
        unallocated_cost_reporting,
        observability_cost_reporting
    from costs_tagged
    union all
    select
        billing_month,
        'business_unit' as scope_type,
        business_unit as scope_id,
        effective_cost_reporting,
        unallocated_cost_reporting,
        observability_cost_reporting
    from costs_tagged
    where business_unit is not null
    union all
    select
        billing_month,
        'service' as scope_type,
        service_id as scope_id,
        effective_cost_reporting,
        unallocated_cost_reporting,
        observability_cost_reporting
    from costs_tagged
    where service_id <> 'unallocated'
),

-- A scope's sums are null when one of its parts has no FX rate (never a partial sum).
scope_cost_sums as (
    select
        billing_month,
        scope_type,
        scope_id,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting,
        {{ fx_safe_sum('unallocated_cost_reporting', known='effective_cost_reporting') }}
            as unallocated_cost_reporting,
        {{ fx_safe_sum('observability_cost_reporting', known='effective_cost_reporting') }}
            as observability_cost_reporting,
        sum(observability_cost_reporting) <> 0 as has_observability_cost
    from costs_by_scope
    group by
        billing_month,
        scope_type,
        scope_id
),

scope_costs as (
    select scope_cost_sums.*
    from scope_cost_sums
    inner join billing_months
        on scope_cost_sums.billing_month = billing_months.billing_month
),

-- Telemetry per service and month: host-days (hosts summed over the days).
service_telemetry as (
    select
        service_id,
        usage_month as billing_month,
        sum(metric_value) as host_days
    from service_metric_days
    where metric_name = 'hosts'
    group by
        service_id,
        usage_month
),

scope_host_days as (
    select
        billing_month,
        'service' as scope_type,
        service_id as scope_id,
        host_days
    from service_telemetry
    union all
    select
        billing_month,
        'total' as scope_type,
        'all' as scope_id,
        sum(host_days) as host_days
    from service_telemetry
    group by billing_month
),

-- M2. Unallocated share of the month's fully allocated cost.
unallocated_metrics as (
    select
        billing_month,
        'unallocated_cost_percent' as metric_name,
        scope_type,
        scope_id,
        'percent' as metric_unit,
        {{ decimal_divide(
            decimal_multiply('unallocated_cost_reporting', 100), 'effective_cost_reporting'
        ) }} as metric_value,
        unallocated_cost_reporting as numerator_value,
        effective_cost_reporting as denominator_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        case
            when effective_cost_reporting is null then 'missing_fx_rate'
            when effective_cost_reporting = 0 then 'no_cost'
        end as null_reason
    from scope_costs
    where scope_type = 'total'
),

-- M3. Month-on-month change of the fully allocated cost, per month, business unit and service.
variance_metrics as (
    select
        current_month.billing_month,
        'cost_variance_percent' as metric_name,
        current_month.scope_type,
        current_month.scope_id,
        'percent' as metric_unit,
        {{ decimal_divide(
            decimal_multiply(
                decimal_subtract(
                    'current_month.effective_cost_reporting',
                    'previous_month.effective_cost_reporting'
                ),
                100
            ),
            'previous_month.effective_cost_reporting'
        ) }} as metric_value,
        {{ decimal_subtract(
            'current_month.effective_cost_reporting', 'previous_month.effective_cost_reporting'
        ) }} as numerator_value,
        previous_month.effective_cost_reporting as denominator_value,
        current_month.effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        case
            when previous_month.scope_id is null then 'no_previous_month'
            when
                current_month.effective_cost_reporting is null
                or previous_month.effective_cost_reporting is null
                then 'missing_fx_rate'
            when previous_month.effective_cost_reporting = 0 then 'zero_previous_cost'
        end as null_reason
    from scope_costs as current_month
    left join scope_costs as previous_month
        on
            current_month.scope_type = previous_month.scope_type
            and current_month.scope_id = previous_month.scope_id
            and previous_month.billing_month
            = cast({{ dbt.dateadd('month', -1, 'current_month.billing_month') }} as date)
),

-- M4. Observability cost (the sub-towers of var observability_sub_towers) per host-month
-- (hosts averaged over the calendar days of the month), for the month and each service with
-- such cost or host telemetry.
observability_cost_scopes as (
    select * from scope_costs
    where scope_type = 'total' or (scope_type = 'service' and has_observability_cost)
),

observability_scopes as (
    select
        coalesce(scope_costs.billing_month, scope_host_days.billing_month) as billing_month,
        coalesce(scope_costs.scope_type, scope_host_days.scope_type) as scope_type,
        coalesce(scope_costs.scope_id, scope_host_days.scope_id) as scope_id,
        scope_costs.effective_cost_reporting,
        case
            when scope_costs.scope_id is null then 0
            else scope_costs.observability_cost_reporting
        end as observability_cost_reporting,
        {{ decimal_divide(
            'scope_host_days.host_days',
            dbt.datediff(
                'coalesce(scope_costs.billing_month, scope_host_days.billing_month)',
                'cast(' ~ dbt.dateadd(
                    'month', 1, 'coalesce(scope_costs.billing_month, scope_host_days.billing_month)'
                ) ~ ' as date)',
                'day'
            )
        ) }} as host_months
    from observability_cost_scopes as scope_costs
    full outer join scope_host_days
        on
            scope_costs.billing_month = scope_host_days.billing_month
            and scope_costs.scope_type = scope_host_days.scope_type
            and scope_costs.scope_id = scope_host_days.scope_id
),

observability_metrics as (
    select
        billing_month,
        'observability_cost_per_host' as metric_name,
        scope_type,
        scope_id,
        '{{ reporting_currency() }} per host-month' as metric_unit,
        {{ decimal_divide('observability_cost_reporting', 'host_months') }} as metric_value,
        observability_cost_reporting as numerator_value,
        host_months as denominator_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        case
            when observability_cost_reporting is null then 'missing_fx_rate'
            when host_months is null then 'no_host_telemetry'
            when host_months = 0 then 'zero_hosts'
        end as null_reason
    from observability_scopes
),

-- M5 and M6. SLO compliance over daily windows and error-budget burn rate per service, beside
-- its cost (int_slo_windows_scored_by_day scores each day). Compliance = good windows /
-- windows; burn rate = bad events / bad events the SLO allows over the month = (1 - good
-- share) / (1 - SLO): 1 spends the error budget exactly over the month, above 1 exhausts it
-- early; flagged when some day of the month burnt above the sustained threshold.
slo_months as (
    select
        slo_windows.service_id,
        slo_windows.usage_month as billing_month,
        count(*) as window_count,
        sum(case when slo_windows.is_good_window then 1 else 0 end) as good_window_count,
        sum(slo_windows.bad_events) as bad_events,
        sum(slo_windows.allowed_bad_events) as allowed_bad_events,
        sum(slo_windows.slo_total_events) as slo_total_events,
        max(case when slo_windows.slo_target_percent is null then 1 else 0 end)
            as has_day_without_target,
        max(case when slo_windows.is_sustained_burn then 1 else 0 end) as has_sustained_burn
    from slo_windows
    group by
        slo_windows.service_id,
        slo_windows.usage_month
),

slo_months_with_costs as (
    select
        slo_months.*,
        scope_costs.effective_cost_reporting
    from slo_months
    left join scope_costs
        on
            scope_costs.scope_type = 'service'
            and slo_months.service_id = scope_costs.scope_id
            and slo_months.billing_month = scope_costs.billing_month
),

slo_metrics as (
    select
        billing_month,
        'slo_compliance_percent' as metric_name,
        'service' as scope_type,
        service_id as scope_id,
        'percent of windows' as metric_unit,
        {{ decimal_divide(decimal_multiply('good_window_count', 100), 'window_count') }}
            as metric_value,
        good_window_count as numerator_value,
        window_count as denominator_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        window_count,
        cast(null as boolean) as is_sustained_burn,
        case
            when has_day_without_target = 1 then 'no_slo_target'
            when slo_total_events = 0 then 'zero_slo_events'
        end as null_reason
    from slo_months_with_costs

    union all

    select
        billing_month,
        'error_budget_burn_rate' as metric_name,
        'service' as scope_type,
        service_id as scope_id,
        'ratio' as metric_unit,
        {{ decimal_divide('bad_events', 'allowed_bad_events') }} as metric_value,
        bad_events as numerator_value,
        allowed_bad_events as denominator_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        window_count,
        has_sustained_burn = 1 as is_sustained_burn,
        case
            when has_day_without_target = 1 then 'no_slo_target'
            when slo_total_events = 0 then 'zero_slo_events'
        end as null_reason
    from slo_months_with_costs
),

-- M9. Commitment utilization: amortized commitment cost used by usage over used + unused
-- (FOCUS CommitmentDiscountStatus), reporting currency (int_commitment_costs_summed_by_month).
commitment_metrics as (
    select
        commitment_sums.billing_month,
        'commitment_utilization_percent' as metric_name,
        'total' as scope_type,
        'all' as scope_id,
        'percent' as metric_unit,
        {{ decimal_divide(
            decimal_multiply('commitment_sums.used_cost_reporting', 100),
            'commitment_sums.commitment_cost_reporting'
        ) }} as metric_value,
        commitment_sums.used_cost_reporting as numerator_value,
        commitment_sums.commitment_cost_reporting as denominator_value,
        scope_costs.effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        case
            when commitment_sums.missing_fx_rate_count > 0 then 'missing_fx_rate'
            when commitment_sums.commitment_cost_reporting = 0 then 'zero_commitment_cost'
        end as null_reason
    from commitment_sums
    left join scope_costs
        on
            scope_costs.scope_type = 'total'
            and commitment_sums.billing_month = scope_costs.billing_month
),

-- M8. Allocation latency per source: hours from the month's data being available (a file landed,
-- an invoice dated) to the first publication that included it
-- (int_month_sources_dated_by_availability).
latency_metrics as (
    select
        month_sources.billing_month,
        'allocation_latency_hours' as metric_name,
        'source' as scope_type,
        month_sources.data_source as scope_id,
        'hours' as metric_unit,
        {{ decimal_divide(
            dbt.datediff(
                'month_sources.available_at', 'month_sources.first_published_at', 'second'
            ),
            3600
        ) }} as metric_value,
        cast(null as decimal(38, 12)) as numerator_value,
        cast(null as decimal(38, 12)) as denominator_value,
        scope_costs.effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        cast(null as string) as null_reason
    from month_sources
    left join scope_costs
        on
            scope_costs.scope_type = 'total'
            and month_sources.billing_month = scope_costs.billing_month
),

-- M1, M7 and M10. Unit costs per service (fct_unit_costs): cost per request, per active
-- user-month and per CI build (runner time at the month's price per runner minute).
{% set unit_cost_metrics = [
    ('cost_per_request', 'request', 'effective_cost_reporting', 'request_count', 'request'),
    ('cost_per_active_user', 'active_user', 'effective_cost_reporting',
        'active_users_avg_daily', 'user-month'),
    ('ci_cost_per_build', 'ci_build', 'ci_runner_cost_reporting', 'ci_build_count', 'build'),
] -%}
unit_cost_metrics as (
    {% for metric_name, unit, cost, volume, per in unit_cost_metrics -%}
    select
        unit_costs.billing_month,
        '{{ metric_name }}' as metric_name,
        'service' as scope_type,
        unit_costs.service_id as scope_id,
        '{{ reporting_currency() }} per {{ per }}' as metric_unit,
        unit_costs.cost_per_{{ unit }}_reporting as metric_value,
        unit_costs.{{ cost }} as numerator_value,
        unit_costs.{{ volume }} as denominator_value,
        unit_costs.effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as bigint) as window_count,
        cast(null as boolean) as is_sustained_burn,
        unit_costs.cost_per_{{ unit }}_null_reason as null_reason
    from unit_costs
    inner join billing_months
        on unit_costs.billing_month = billing_months.billing_month
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- Each branch typed before the union: Spark widens the branches' decimal types to one with
-- room for every branch's integer digits, which takes decimals from the 12 (docs/engines.md).
metrics as (
    {% for branch in [
        'unit_cost_metrics',
        'unallocated_metrics',
        'variance_metrics',
        'observability_metrics',
        'slo_metrics',
        'commitment_metrics',
        'latency_metrics',
    ] -%}
    select
        billing_month,
        metric_name,
        scope_type,
        scope_id,
        metric_unit,
        cast(metric_value as decimal(38, 12)) as metric_value,
        cast(numerator_value as decimal(38, 12)) as numerator_value,
        cast(denominator_value as decimal(38, 12)) as denominator_value,
        cast(scope_effective_cost_reporting as decimal(38, 12)) as scope_effective_cost_reporting,
        cast(window_count as bigint) as window_count,
        cast(is_sustained_burn as boolean) as is_sustained_burn,
        null_reason
    from {{ branch }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- The target: the organisation's (metric_targets.csv: a line replaces the default, an empty
-- value removes it), else the practice's default (seed tbm_metrics). A ceiling (max) is met at
-- or below the target (M3: its absolute value), a floor (min) at or above it.
metrics_with_targets as (
    select
        metrics.*,
        metric_definitions.metric_id,
        metric_definitions.target_direction,
        metric_definitions.measurement_window,
        case
            when metric_targets.metric_id is not null then metric_targets.target_value
            else metric_definitions.default_target_value
        end as target_value
    from metrics
    inner join metric_definitions
        on metrics.metric_name = metric_definitions.metric_name
    left join metric_targets
        on metric_definitions.metric_id = metric_targets.metric_id
),

metrics_judged as (
    select
        *,
        case
            when null_reason is not null or target_value is null then null
            when target_direction = 'min' then metric_value >= target_value
            when metric_id = 'M3' then abs(metric_value) <= target_value
            else metric_value <= target_value
        end as is_target_met
    from metrics_with_targets
),

final as (
    select
        -- ids
        cast(metric_id as string) as metric_id,
        cast(metric_name as string) as metric_name,
        cast(scope_type as string) as scope_type,
        cast(scope_id as string) as scope_id,
        -- strings
        cast(metric_unit as string) as metric_unit,
        cast(measurement_window as string) as measurement_window,
        cast(target_direction as string) as target_direction,
        cast(null_reason as string) as null_reason,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics: the value is null whenever null_reason says why
        cast(case when null_reason is null then metric_value end as decimal(38, 12))
            as metric_value,
        cast(numerator_value as decimal(38, 12)) as numerator_value,
        cast(denominator_value as decimal(38, 12)) as denominator_value,
        cast(target_value as decimal(38, 12)) as target_value,
        cast(window_count as bigint) as window_count,
        cast(scope_effective_cost_reporting as decimal(38, 12))
            as scope_effective_cost_reporting,
        -- booleans
        cast(is_target_met as boolean) as is_target_met,
        cast(is_sustained_burn as boolean) as is_sustained_burn,
        -- dates
        cast(billing_month as date) as billing_month
    from metrics_judged
)

select * from final

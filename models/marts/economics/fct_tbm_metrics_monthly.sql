{%- set observability_sub_towers = var('observability_sub_towers') | join("', '") -%}
{%- set observability_sub_towers = "'" ~ observability_sub_towers ~ "'" -%}
{#- The allocation run time: this dbt invocation's start (UTC), or var economics_run_at. -#}
{%- set run_at = var('economics_run_at') or run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

service_metric_days as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
),

slo_targets as (
    select * from {{ ref('slo_targets') }}
),

commitment_sums as (
    select * from {{ ref('int_commitment_costs_summed_by_month') }}
),

month_newest_files as (
    select * from {{ ref('int_months_dated_by_newest_file') }}
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

-- Telemetry per service and month: host-days (hosts summed over the days) and SLO events.
service_telemetry as (
    select
        service_id,
        usage_month as billing_month,
        sum(case when metric_name = 'hosts' then metric_value end) as host_days,
        sum(case when metric_name = 'slo_good_events' then metric_value end) as slo_good_events,
        sum(case when metric_name = 'slo_total_events' then metric_value end)
            as slo_total_events
    from service_metric_days
    where metric_name in ('hosts', 'slo_good_events', 'slo_total_events')
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
    where host_days is not null
    union all
    select
        billing_month,
        'total' as scope_type,
        'all' as scope_id,
        sum(host_days) as host_days
    from service_telemetry
    where host_days is not null
    group by billing_month
),

-- 1. Unallocated share of the month's fully allocated cost.
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
        cast(null as decimal(38, 12)) as target_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        case
            when effective_cost_reporting is null then 'missing_fx_rate'
            when effective_cost_reporting = 0 then 'no_cost'
        end as null_reason
    from scope_costs
    where scope_type = 'total'
),

-- 2. Month-on-month change of the fully allocated cost, per month, business unit and service.
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
        cast(null as decimal(38, 12)) as target_value,
        current_month.effective_cost_reporting as scope_effective_cost_reporting,
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

-- 3. Observability cost (the sub-towers of var observability_sub_towers) per host-month
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
        cast(null as decimal(38, 12)) as target_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        case
            when observability_cost_reporting is null then 'missing_fx_rate'
            when host_months is null then 'no_host_telemetry'
            when host_months = 0 then 'zero_hosts'
        end as null_reason
    from observability_scopes
),

-- 4. and 5. SLO compliance and error-budget burn rate per service, beside its cost. Burn rate
-- = bad events / bad events the SLO allows = (1 - compliance) / (1 - target): 1 spends the
-- error budget exactly over the month, above 1 exhausts it early.
slo_months as (
    select
        service_telemetry.service_id,
        service_telemetry.billing_month,
        service_telemetry.slo_good_events,
        service_telemetry.slo_total_events,
        slo_targets.slo_target_percent,
        scope_costs.effective_cost_reporting
    from service_telemetry
    left join slo_targets
        on
            service_telemetry.service_id = slo_targets.service_id
            and {{ is_valid_on('slo_targets', 'service_telemetry.billing_month') }}
    left join scope_costs
        on
            scope_costs.scope_type = 'service'
            and service_telemetry.service_id = scope_costs.scope_id
            and service_telemetry.billing_month = scope_costs.billing_month
    where service_telemetry.slo_total_events is not null
),

slo_metrics as (
    select
        billing_month,
        'slo_compliance_percent' as metric_name,
        'service' as scope_type,
        service_id as scope_id,
        'percent' as metric_unit,
        {{ decimal_divide(decimal_multiply('slo_good_events', 100), 'slo_total_events') }}
            as metric_value,
        slo_good_events as numerator_value,
        slo_total_events as denominator_value,
        slo_target_percent as target_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        case
            when slo_good_events is null then 'no_slo_telemetry'
            when slo_total_events = 0 then 'zero_slo_events'
        end as null_reason
    from slo_months

    union all

    select
        billing_month,
        'error_budget_burn_rate' as metric_name,
        'service' as scope_type,
        service_id as scope_id,
        'ratio' as metric_unit,
        {{ decimal_divide(
            decimal_multiply('slo_total_events - slo_good_events', 100),
            decimal_multiply('slo_total_events', '100 - slo_target_percent')
        ) }} as metric_value,
        slo_total_events - slo_good_events as numerator_value,
        {{ decimal_divide(
            decimal_multiply('slo_total_events', '100 - slo_target_percent'), 100
        ) }} as denominator_value,
        cast(1 as decimal(38, 12)) as target_value,
        effective_cost_reporting as scope_effective_cost_reporting,
        case
            when slo_target_percent is null then 'no_slo_target'
            when slo_good_events is null then 'no_slo_telemetry'
            when slo_total_events = 0 then 'zero_slo_events'
        end as null_reason
    from slo_months
),

-- 6. Commitment utilization: amortized commitment cost used by usage over used + unused
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
        cast(null as decimal(38, 12)) as target_value,
        scope_costs.effective_cost_reporting as scope_effective_cost_reporting,
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

-- 7. Allocation latency: hours from the newest landed file carrying data of the month (a
-- current billing charge, telemetry day or invoice line of it; int_months_dated_by_newest_file)
-- to the allocation run.
latency_metrics as (
    select
        month_newest_files.billing_month,
        'allocation_latency_hours' as metric_name,
        'total' as scope_type,
        'all' as scope_id,
        'hours' as metric_unit,
        {{ decimal_divide(
            dbt.datediff(
                'month_newest_files.newest_loaded_at',
                "cast('" ~ run_at ~ "' as timestamp)",
                'second'
            ),
            3600
        ) }} as metric_value,
        cast(null as decimal(38, 12)) as numerator_value,
        cast(null as decimal(38, 12)) as denominator_value,
        cast(null as decimal(38, 12)) as target_value,
        scope_costs.effective_cost_reporting as scope_effective_cost_reporting,
        cast(null as string) as null_reason
    from month_newest_files
    left join scope_costs
        on
            scope_costs.scope_type = 'total'
            and month_newest_files.billing_month = scope_costs.billing_month
),

-- Each branch typed before the union: Spark widens the branches' decimal types to one with
-- room for every branch's integer digits, which takes decimals from the 12 (docs/engines.md).
metrics as (
    {% for branch in [
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
        cast(target_value as decimal(38, 12)) as target_value,
        cast(scope_effective_cost_reporting as decimal(38, 12)) as scope_effective_cost_reporting,
        null_reason
    from {{ branch }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        -- ids
        cast(metric_name as string) as metric_name,
        cast(scope_type as string) as scope_type,
        cast(scope_id as string) as scope_id,
        -- strings
        cast(metric_unit as string) as metric_unit,
        cast(null_reason as string) as null_reason,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics: the value is null whenever null_reason says why
        cast(case when null_reason is null then metric_value end as decimal(38, 12))
            as metric_value,
        cast(numerator_value as decimal(38, 12)) as numerator_value,
        cast(denominator_value as decimal(38, 12)) as denominator_value,
        cast(target_value as decimal(38, 12)) as target_value,
        cast(scope_effective_cost_reporting as decimal(38, 12))
            as scope_effective_cost_reporting,
        -- dates
        cast(billing_month as date) as billing_month
    from metrics
)

select * from final

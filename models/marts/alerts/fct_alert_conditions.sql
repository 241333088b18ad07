{#- Every period (day or month) on which an alert rule's condition holds, per scope, with the
    value observed and the threshold it crossed: one rule per CTE below, reading the marts that
    compute the metric (the rule restates their flag) or, for runaway autoscaling, adding its own
    usage test. Then the organisation's settings: a rule set `off` yields nothing, and a
    condition under a declared maintenance window of its service (or of `*`) is dropped: a day
    the window overlaps, a month it covers whole. The latest period each rule judged (with or without a condition) tells later
    whether an alert is still open. -#}

with

rule_settings as (
    select * from {{ ref('int_alert_rules_configured') }}
),

metrics as (
    select * from {{ ref('fct_tbm_metrics_monthly') }}
),

slo_windows as (
    select * from {{ ref('fct_slo_windows_daily') }}
),

daily_service_costs as (
    select
        service_id,
        cost_date,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting
    from {{ ref('fct_cost_by_service_daily') }}
    group by
        service_id,
        cost_date
),

budget_months as (
    select * from {{ ref('fct_budget_vs_actual') }}
    -- months up to the one being forecast: a month ahead is budgeted, not yet judged
    where billing_month <= cast(date_trunc('month', as_of_date) as date)
),

forecast_days as (
    select * from {{ ref('fct_cost_against_forecast_daily') }}
),

cost_spikes as (
    select * from {{ ref('fct_cost_anomalies') }}
    where anomaly_direction = 'spike'
),

cpu_days as (
    select
        service_id,
        usage_date,
        metric_value as cpu_core_hours
    from {{ ref('int_service_days_unpivoted_to_metrics') }}
    where metric_name = 'cpu_core_hours'
),

-- Runaway autoscaling's usage test: the day's CPU core hours against their average over the
-- 7 days before (all 7 required).
cpu_baseline_pairs as (
    {{ trailing_window_pairs('cpu_days', 'service_id', 'usage_date', 'cpu_core_hours', 7) }}
),

cpu_ratios as (
    select
        cpu_days.service_id,
        cpu_days.usage_date,
        cpu_days.cpu_core_hours,
        count(cpu_baseline_pairs.baseline_value) as baseline_day_count,
        {{ decimal_divide('sum(cpu_baseline_pairs.baseline_value)', 7) }}
            as baseline_cpu_core_hours
    from cpu_days
    inner join cpu_baseline_pairs
        on
            cpu_days.service_id = cpu_baseline_pairs.service_id
            and cpu_days.usage_date = cpu_baseline_pairs.usage_date
    group by
        cpu_days.service_id,
        cpu_days.usage_date,
        cpu_days.cpu_core_hours
),

-- The cost of each service's days that missed the SLO, per month.
missed_day_costs as (
    select
        slo_windows.service_id,
        slo_windows.usage_month,
        sum(daily_service_costs.effective_cost_reporting) as cost_reporting
    from slo_windows
    inner join daily_service_costs
        on
            slo_windows.service_id = daily_service_costs.service_id
            and slo_windows.usage_date = daily_service_costs.cost_date
    where not slo_windows.is_good_window
    group by
        slo_windows.service_id,
        slo_windows.usage_month
),

conditions as (
    -- slo_breach: M5 below target; cost impact = the service's cost on its missed days
    select
        'slo_breach' as rule_id,
        'service' as scope_type,
        metrics.scope_id,
        metrics.billing_month as period_start,
        metrics.metric_value as observed_value,
        metrics.target_value as threshold_value,
        coalesce(missed_day_costs.cost_reporting, 0) as cost_impact_reporting
    from metrics
    left join missed_day_costs
        on
            metrics.scope_id = missed_day_costs.service_id
            and metrics.billing_month = missed_day_costs.usage_month
    where
        metrics.metric_id = 'M5'
        and metrics.scope_type = 'service'
        and not metrics.is_target_met

    union all

    -- sustained_burn: the SLO windows' flag; cost impact = the service's cost that day
    select
        'sustained_burn' as rule_id,
        'service' as scope_type,
        slo_windows.service_id as scope_id,
        slo_windows.usage_date as period_start,
        slo_windows.window_burn_rate as observed_value,
        cast({{ var('slo_sustained_burn_rate') }} as decimal(38, 12)) as threshold_value,
        coalesce(daily_service_costs.effective_cost_reporting, 0) as cost_impact_reporting
    from slo_windows
    left join daily_service_costs
        on
            slo_windows.service_id = daily_service_costs.service_id
            and slo_windows.usage_date = daily_service_costs.cost_date
    where slo_windows.is_sustained_burn

    union all

    -- runaway_autoscaling: a cost spike on a day usage climbed past the rule's threshold
    select
        'runaway_autoscaling' as rule_id,
        'service' as scope_type,
        cost_spikes.service_id as scope_id,
        cost_spikes.cost_date as period_start,
        {{ decimal_divide('cpu_ratios.cpu_core_hours', 'cpu_ratios.baseline_cpu_core_hours') }}
            as observed_value,
        rule_settings.threshold_value,
        cost_spikes.excess_cost_reporting as cost_impact_reporting
    from cost_spikes
    inner join cpu_ratios
        on
            cost_spikes.service_id = cpu_ratios.service_id
            and cost_spikes.cost_date = cpu_ratios.usage_date
    inner join rule_settings
        on rule_settings.rule_id = 'runaway_autoscaling'
    where
        cpu_ratios.baseline_day_count = 7
        and cpu_ratios.baseline_cpu_core_hours > 0
        and cpu_ratios.cpu_core_hours > {{ decimal_multiply(
            'cpu_ratios.baseline_cpu_core_hours', 'rule_settings.threshold_value'
        ) }}

    union all

    -- budget_breach and forecast_overspend: the business unit's budget status of the month
    select
        case
            when budget_status = 'over_budget' then 'budget_breach'
            else 'forecast_overspend'
        end as rule_id,
        'business_unit' as scope_type,
        business_unit as scope_id,
        billing_month as period_start,
        case
            when budget_status = 'over_budget' then actual_effective_cost_reporting
            else forecast_effective_cost_reporting
        end as observed_value,
        budget_reporting as threshold_value,
        case
            when budget_status = 'over_budget' then budget_variance_reporting
            else {{ decimal_subtract('forecast_effective_cost_reporting', 'budget_reporting') }}
        end as cost_impact_reporting
    from budget_months
    where budget_status in ('over_budget', 'forecast_over_budget')

    union all

    -- unallocated_share: M2 of the month misses its target; cost impact = the unallocated cost
    select
        'unallocated_share' as rule_id,
        scope_type,
        scope_id,
        billing_month as period_start,
        metric_value as observed_value,
        target_value as threshold_value,
        numerator_value as cost_impact_reporting
    from metrics
    where
        metric_id = 'M2'
        and scope_type = 'total'
        and not is_target_met

    union all

    -- cost_over_forecast: a business unit's day above its forecast by more than the threshold
    select
        'cost_over_forecast' as rule_id,
        'business_unit' as scope_type,
        business_unit as scope_id,
        cost_date as period_start,
        overrun_percent as observed_value,
        cast({{ var('budget_daily_overrun_threshold') }} * 100 as decimal(38, 12))
            as threshold_value,
        {{ decimal_subtract('daily_cost_reporting', 'forecast_cost_reporting') }}
            as cost_impact_reporting
    from forecast_days
    where is_above_forecast
),

-- The newest period each rule judged: an alert whose last period is older has cleared.
latest_periods as (
    select
        'slo_breach' as rule_id,
        max(billing_month) as latest_period_start
    from metrics
    where metric_id = 'M5'
    union all
    select
        'sustained_burn' as rule_id,
        max(usage_date) as latest_period_start
    from slo_windows
    union all
    select
        'runaway_autoscaling' as rule_id,
        max(cost_date) as latest_period_start
    from {{ ref('fct_cost_anomalies') }}
    union all
    select
        'budget_breach' as rule_id,
        max(billing_month) as latest_period_start
    from budget_months
    union all
    select
        'forecast_overspend' as rule_id,
        max(billing_month) as latest_period_start
    from budget_months
    union all
    select
        'unallocated_share' as rule_id,
        max(billing_month) as latest_period_start
    from metrics
    where metric_id = 'M2'
    union all
    select
        'cost_over_forecast' as rule_id,
        max(cost_date) as latest_period_start
    from forecast_days
),

conditions_timed as (
    select
        conditions.*,
        rule_settings.rule_name,
        rule_settings.severity,
        rule_settings.grain,
        rule_settings.runbook,
        latest_periods.latest_period_start,
        cast(conditions.period_start as timestamp) as period_starts_at,
        cast(
            case
                when rule_settings.grain = 'month'
                    then {{ dbt.dateadd('month', 1, 'conditions.period_start') }}
                else {{ dbt.dateadd('day', 1, 'conditions.period_start') }}
            end as timestamp
        ) as period_ends_at
    from conditions
    inner join rule_settings
        on conditions.rule_id = rule_settings.rule_id
    inner join latest_periods
        on conditions.rule_id = latest_periods.rule_id
    where rule_settings.severity != 'off'
),

maintenance_windows as (
    select * from {{ ref('maintenance_windows') }}
),

-- Conditions under a maintenance window of their service (or of `*`): a day that the window
-- overlaps, a month that it covers whole (a month's metric is not excused by a few hours).
suppressed as (
    select distinct
        conditions_timed.rule_id,
        conditions_timed.scope_type,
        conditions_timed.scope_id,
        conditions_timed.period_start
    from conditions_timed
    inner join maintenance_windows
        on
            (
                (
                    conditions_timed.grain = 'day'
                    and conditions_timed.period_ends_at > maintenance_windows.starts_at
                    and conditions_timed.period_starts_at < maintenance_windows.ends_at
                )
                or (
                    conditions_timed.period_starts_at >= maintenance_windows.starts_at
                    and conditions_timed.period_ends_at <= maintenance_windows.ends_at
                )
            )
            and (
                maintenance_windows.service_id = '*'
                or (
                    conditions_timed.scope_type = 'service'
                    and conditions_timed.scope_id = maintenance_windows.service_id
                )
            )
),

final as (
    select
        -- ids
        cast(conditions_timed.rule_id as string) as rule_id,
        cast(conditions_timed.scope_id as string) as scope_id,
        -- strings
        cast(conditions_timed.rule_name as string) as rule_name,
        cast(conditions_timed.severity as string) as severity,
        cast(conditions_timed.grain as string) as grain,
        cast(conditions_timed.runbook as string) as runbook,
        cast(conditions_timed.scope_type as string) as scope_type,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(conditions_timed.observed_value as decimal(38, 12)) as observed_value,
        cast(conditions_timed.threshold_value as decimal(38, 12)) as threshold_value,
        cast(conditions_timed.cost_impact_reporting as decimal(38, 12)) as cost_impact_reporting,
        -- dates
        cast(conditions_timed.period_start as date) as period_start,
        cast(conditions_timed.latest_period_start as date) as latest_period_start
    from conditions_timed
    left join suppressed
        on
            conditions_timed.rule_id = suppressed.rule_id
            and conditions_timed.scope_type = suppressed.scope_type
            and conditions_timed.scope_id = suppressed.scope_id
            and conditions_timed.period_start = suppressed.period_start
    where suppressed.rule_id is null
)

select * from final

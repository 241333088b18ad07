{#- The alerts: one row per cause. A cause is a rule's condition on consecutive periods (days or
    months) of one scope (a service, a business unit, the total); its dedup key names the rule,
    the scope and the first period, so every run computes the same key for the same cause. An
    alert is open while its last period is the newest one its rule judged, and resolved once a
    newer period no longer meets the condition. The owner is the service's current owner in the
    catalog; the route is the one dim_alert_routes gives its owner and severity. -#}

with

conditions as (
    select * from {{ ref('fct_alert_conditions') }}
),

services as (
    select * from {{ ref('dim_services') }}
    where is_current
),

routes as (
    select * from {{ ref('dim_alert_routes') }}
),

-- Consecutive periods share one island: the period's number minus its rank is constant.
conditions_numbered as (
    select
        *,
        case
            when grain = 'month'
                then {{ dbt.datediff("cast('1970-01-01' as date)", 'period_start', 'month') }}
            else {{ dbt.datediff("cast('1970-01-01' as date)", 'period_start', 'day') }}
        end
        - row_number() over (
            partition by rule_id, scope_type, scope_id
            order by period_start
        ) as island_id
    from conditions
),

conditions_in_episodes as (
    select
        *,
        min(period_start) over (
            partition by rule_id, scope_type, scope_id, island_id
        ) as first_period_start,
        row_number() over (
            partition by rule_id, scope_type, scope_id, island_id
            order by period_start desc
        ) as recency_rank
    from conditions_numbered
),

episodes as (
    select
        rule_id,
        scope_type,
        scope_id,
        first_period_start,
        max(period_start) as last_period_start,
        count(*) as period_count,
        sum(cost_impact_reporting) as cost_impact_reporting
    from conditions_in_episodes
    group by
        rule_id,
        scope_type,
        scope_id,
        first_period_start
),

-- The value and threshold of each episode's last period.
last_periods as (
    select * from conditions_in_episodes
    where recency_rank = 1
),

alerts as (
    select
        episodes.*,
        last_periods.rule_name,
        last_periods.severity,
        last_periods.grain,
        last_periods.runbook,
        last_periods.observed_value,
        last_periods.threshold_value,
        case
            when episodes.last_period_start >= last_periods.latest_period_start then 'open'
            else 'resolved'
        end as alert_state,
        services.owner
    from episodes
    inner join last_periods
        on
            episodes.rule_id = last_periods.rule_id
            and episodes.scope_type = last_periods.scope_type
            and episodes.scope_id = last_periods.scope_id
            and episodes.first_period_start = last_periods.first_period_start
    left join services
        on
            episodes.scope_type = 'service'
            and episodes.scope_id = services.service_id
),

final as (
    select
        -- ids
        cast(
            concat(
                alerts.rule_id, ':', alerts.scope_type, ':', alerts.scope_id, ':',
                cast(alerts.first_period_start as string)
            ) as string
        ) as alert_key,
        cast(alerts.rule_id as string) as rule_id,
        cast(alerts.scope_id as string) as scope_id,
        cast(routes.route_id as string) as route_id,
        -- strings
        cast(alerts.rule_name as string) as rule_name,
        cast(alerts.severity as string) as severity,
        cast(alerts.scope_type as string) as scope_type,
        cast(alerts.grain as string) as period_grain,
        cast(alerts.alert_state as string) as alert_state,
        cast(alerts.owner as string) as owner,
        cast(routes.channel as string) as route_channel,
        cast(alerts.runbook as string) as runbook,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(alerts.observed_value as decimal(38, 12)) as observed_value,
        cast(alerts.threshold_value as decimal(38, 12)) as threshold_value,
        cast(alerts.cost_impact_reporting as decimal(38, 12)) as cost_impact_reporting,
        cast(alerts.period_count as bigint) as period_count,
        -- dates
        cast(alerts.first_period_start as date) as first_seen_period,
        cast(alerts.last_period_start as date) as last_seen_period
    from alerts
    left join routes
        on
            alerts.severity = routes.severity
            and (
                alerts.owner = routes.owner
                or (alerts.owner is null and routes.owner is null)
            )
)

select * from final

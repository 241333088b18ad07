-- The alert rules in force, for BI and the notifier: the practice's rules with the
-- organisation's severity and threshold, each with its runbook, and the route of its alerts
-- that have no service owner (business units, the total, a failed run).
with

rules as (
    select * from {{ ref('int_alert_rules_configured') }}
),

routes as (
    select * from {{ ref('dim_alert_routes') }}
    where owner is null
),

final as (
    select
        -- ids
        cast(rules.rule_id as string) as rule_id,
        cast(routes.route_id as string) as unowned_route_id,
        -- strings
        cast(rules.rule_name as string) as rule_name,
        cast(rules.severity as string) as severity,
        cast(rules.grain as string) as period_grain,
        cast(rules.runbook as string) as runbook,
        -- numerics
        cast(rules.threshold_value as decimal(38, 12)) as threshold_value
    from rules
    left join routes
        on rules.severity = routes.severity
)

select * from final

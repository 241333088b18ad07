-- The practice's alert rules with the organisation's changes (alert_rules.csv): its severity
-- (`off` disables the rule) and threshold where given, else the practice's defaults.
with

rules as (
    select * from {{ ref('tbm_alert_rules') }}
),

org_rules as (
    select * from {{ ref('alert_rules') }}
),

final as (
    select
        rules.rule_id,
        rules.rule_name,
        rules.grain,
        rules.runbook,
        coalesce(org_rules.severity, rules.default_severity) as severity,
        coalesce(org_rules.threshold_value, rules.default_threshold_value) as threshold_value
    from rules
    left join org_rules
        on rules.rule_id = org_rules.rule_id
)

select * from final

{%- set top_n = var('top_rising_services') | int -%}
-- The executive view's top rising services: per billing month, the services whose fully
-- allocated cost rose most against the previous month (metric M3 of fct_tbm_metrics_monthly,
-- service scope), largest increase first.
with

service_variances as (
    select * from {{ ref('fct_tbm_metrics_monthly') }}
    where metric_id = 'M3' and scope_type = 'service'
),

services as (
    select
        service_id,
        billing_month,
        service_name,
        business_unit
    from {{ ref('fct_unit_costs') }}
),

rising as (
    select
        service_variances.billing_month,
        service_variances.scope_id as service_id,
        services.service_name,
        services.business_unit,
        service_variances.reporting_currency,
        service_variances.denominator_value as previous_cost_reporting,
        service_variances.scope_effective_cost_reporting as effective_cost_reporting,
        service_variances.numerator_value as cost_increase_reporting,
        service_variances.metric_value as cost_increase_percent,
        row_number() over (
            partition by service_variances.billing_month
            order by service_variances.numerator_value desc, service_variances.scope_id asc
        ) as rising_rank
    from service_variances
    left join services
        on
            service_variances.scope_id = services.service_id
            and service_variances.billing_month = services.billing_month
    -- a rise needs both months' cost (no_previous_month, missing_fx_rate have none)
    where service_variances.numerator_value > 0
),

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(service_name as string) as service_name,
        cast(business_unit as string) as business_unit,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        cast(rising_rank as integer) as rising_rank,
        cast(previous_cost_reporting as decimal(38, 12)) as previous_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(cost_increase_reporting as decimal(38, 12)) as cost_increase_reporting,
        cast(cost_increase_percent as decimal(38, 12)) as cost_increase_percent,
        -- dates
        cast(billing_month as date) as billing_month
    from rising
    where rising_rank <= {{ top_n }}
)

select * from final

-- The SLO windows of every service day, for on-call: whether the day met the SLO, its
-- error-budget burn rate, the trailing window's, and whether the burn is sustained.
with

slo_windows as (
    select * from {{ ref('int_slo_windows_scored_by_day') }}
),

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(null_reason as string) as null_reason,
        -- numerics
        cast(slo_target_percent as decimal(38, 12)) as slo_target_percent,
        cast(slo_good_events as decimal(38, 12)) as slo_good_events,
        cast(slo_total_events as decimal(38, 12)) as slo_total_events,
        cast(bad_events as decimal(38, 12)) as bad_events,
        cast(allowed_bad_events as decimal(38, 12)) as allowed_bad_events,
        cast(burn_rate as decimal(38, 12)) as burn_rate,
        cast(window_days_measured as bigint) as window_days_measured,
        cast(window_burn_rate as decimal(38, 12)) as window_burn_rate,
        -- booleans
        cast(is_good_window as boolean) as is_good_window,
        cast(is_sustained_burn as boolean) as is_sustained_burn,
        -- dates
        cast(usage_date as date) as usage_date,
        cast(usage_month as date) as usage_month
    from slo_windows
)

select * from final

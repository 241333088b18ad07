{%- set window_days = var('slo_sustained_burn_days') | int -%}
{%- set burn_threshold = var('slo_sustained_burn_rate') -%}
-- Each service day with SLO telemetry scored as one SLO window (the telemetry is daily: a day is
-- the finest window it allows): good when its good / total events meet the service's SLO (seed
-- slo_targets, the row valid on the day); its error-budget burn rate = bad events / bad events
-- the SLO allows; and the burn over the trailing `slo_sustained_burn_days` days (the day and
-- those before it). Sustained burn: both the trailing window and the day itself burn above
-- `slo_sustained_burn_rate` (a long window that proves it lasts, a short one that proves it
-- still goes on), with telemetry on every day of the window.
with

service_days as (
    select
        service_id,
        usage_date,
        usage_month,
        slo_good_events,
        slo_total_events
    from {{ ref('stg_telemetry__service_days') }}
    where slo_total_events is not null
),

slo_targets as (
    select * from {{ ref('slo_targets') }}
),

days_with_targets as (
    select
        service_days.service_id,
        service_days.usage_date,
        service_days.usage_month,
        service_days.slo_good_events,
        service_days.slo_total_events,
        slo_targets.slo_target_percent,
        service_days.slo_total_events - service_days.slo_good_events as bad_events,
        {{ decimal_divide(
            decimal_multiply(
                'service_days.slo_total_events', '100 - slo_targets.slo_target_percent'
            ),
            100
        ) }} as allowed_bad_events
    from service_days
    left join slo_targets
        on
            service_days.service_id = slo_targets.service_id
            and {{ is_valid_on('slo_targets', 'service_days.usage_date') }}
),

trailing_windows as (
    select
        scored_days.service_id,
        scored_days.usage_date,
        count(*) as window_days_measured,
        sum(window_days.bad_events) as window_bad_events,
        sum(window_days.allowed_bad_events) as window_allowed_bad_events
    from days_with_targets as scored_days
    inner join days_with_targets as window_days
        on
            scored_days.service_id = window_days.service_id
            and scored_days.usage_date >= window_days.usage_date
            and {{ dbt.dateadd('day', -window_days, 'scored_days.usage_date') }}
            < window_days.usage_date
    group by
        scored_days.service_id,
        scored_days.usage_date
),

scored as (
    select
        days_with_targets.*,
        trailing_windows.window_days_measured,
        trailing_windows.window_bad_events,
        trailing_windows.window_allowed_bad_events,
        case
            when days_with_targets.slo_target_percent is null then 'no_slo_target'
            when days_with_targets.slo_total_events = 0 then 'zero_slo_events'
        end as null_reason,
        {{ decimal_divide('days_with_targets.bad_events', 'days_with_targets.allowed_bad_events') }}
            as burn_rate,
        {{ decimal_divide(
            'trailing_windows.window_bad_events', 'trailing_windows.window_allowed_bad_events'
        ) }} as window_burn_rate
    from days_with_targets
    inner join trailing_windows
        on
            days_with_targets.service_id = trailing_windows.service_id
            and days_with_targets.usage_date = trailing_windows.usage_date
),

final as (
    select
        service_id,
        slo_target_percent,
        slo_good_events,
        slo_total_events,
        bad_events,
        allowed_bad_events,
        null_reason,
        -- a window meets the SLO when good / total >= the SLO (no division: exact)
        case
            when null_reason is null
                then slo_good_events * 100 >= slo_target_percent * slo_total_events
        end as is_good_window,
        burn_rate,
        window_days_measured,
        window_burn_rate,
        coalesce(
            window_days_measured = {{ window_days }}
            and window_burn_rate > {{ burn_threshold }}
            and burn_rate > {{ burn_threshold }},
            false
        ) as is_sustained_burn,
        usage_date,
        usage_month
    from scored
)

select * from final

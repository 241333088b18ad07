{%- set factor = var('ingest_spike_factor') -%}
{%- set baseline_days = var('ingest_baseline_days') | int -%}
{%- set min_baseline_days = var('ingest_min_baseline_days') | int -%}

{#- Daily signals for on-call. F4, telemetry ingest spike: a service's observability ingest per
    host on a day against its own trailing baseline.

      observed = observability_ingest_gb / hosts of the service day,
      baseline = median of observed over the `ingest_baseline_days` (28) days before it,
      flagged when observed > ingest_spike_factor (2) x baseline.

    A day is judged when it has hosts (> 0) and ingest, and at least
    `ingest_min_baseline_days` (14) days of its window do too. Per host, so that a service
    scaling out (more hosts, more logs) is not a spike; the median, so that a spike does not
    raise the baseline of the days after it. -#}

with

service_metric_days as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
    where metric_name in ('observability_ingest_gb', 'hosts')
),

service_days as (
    select
        service_id,
        usage_date,
        max(case when metric_name = 'observability_ingest_gb' then metric_value end)
            as observability_ingest_gb,
        max(case when metric_name = 'hosts' then metric_value end) as host_count
    from service_metric_days
    group by
        service_id,
        usage_date
),

ingest_per_host_days as (
    select
        service_id,
        usage_date,
        observability_ingest_gb,
        host_count,
        {{ decimal_divide('observability_ingest_gb', 'host_count') }} as ingest_per_host_gb
    from service_days
    where
        host_count > 0
        and observability_ingest_gb is not null
),

baseline_pairs as (
    {{ trailing_window_pairs(
        'ingest_per_host_days', 'service_id', 'usage_date', 'ingest_per_host_gb', baseline_days
    ) }}
),

baselines as (
    {{ exact_median('baseline_pairs', ['service_id', 'usage_date'], 'baseline_value') }}
),

judged_days as (
    select
        ingest_per_host_days.service_id,
        ingest_per_host_days.usage_date,
        ingest_per_host_days.observability_ingest_gb,
        ingest_per_host_days.host_count,
        ingest_per_host_days.ingest_per_host_gb,
        baselines.median_value as baseline_ingest_per_host_gb,
        baselines.value_count as baseline_day_count
    from ingest_per_host_days
    inner join baselines
        on
            ingest_per_host_days.service_id = baselines.service_id
            and ingest_per_host_days.usage_date = baselines.usage_date
    where baselines.value_count >= {{ min_baseline_days }}
),

final as (
    select
        -- ids
        cast('F4' as string) as signal_id,
        cast(service_id as string) as service_id,
        -- strings
        cast('telemetry_ingest_spike' as string) as signal_name,
        -- numerics
        cast(ingest_per_host_gb as decimal(38, 12)) as observed_value,
        cast(baseline_ingest_per_host_gb as decimal(38, 12)) as baseline_value,
        cast({{ factor }} as decimal(38, 12)) as threshold_value,
        cast(
            {{ decimal_divide('ingest_per_host_gb', 'baseline_ingest_per_host_gb', 6) }}
            as decimal(38, 6)
        ) as observed_to_baseline_ratio,
        cast(observability_ingest_gb as decimal(38, 12)) as observability_ingest_gb,
        cast(host_count as decimal(38, 12)) as host_count,
        cast(baseline_day_count as integer) as baseline_day_count,
        -- booleans
        coalesce(
            ingest_per_host_gb > {{ decimal_multiply('baseline_ingest_per_host_gb', factor) }},
            false
        ) as is_flagged,
        -- dates
        cast(usage_date as date) as signal_date,
        cast(date_trunc('month', usage_date) as date) as signal_month
    from judged_days
)

select * from final

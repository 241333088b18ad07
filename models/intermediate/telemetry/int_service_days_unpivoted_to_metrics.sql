{%- set metrics = [
    'requests',
    'cpu_core_hours',
    'storage_gb',
    'active_users',
    'ci_builds',
    'hosts',
    'slo_good_events',
    'slo_total_events',
    'ci_runner_minutes',
    'observability_ingest_gb',
] -%}

with

service_days as (
    select * from {{ ref('stg_telemetry__service_days') }}
),

-- One row per service, day and measured metric: the long form allocation drivers read.
unpivoted as (
    {% for metric in metrics -%}
    select
        service_id,
        '{{ metric }}' as metric_name,
        {{ metric }} as metric_value,
        usage_date,
        usage_month
    from service_days
    where {{ metric }} is not null
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
)

select * from unpivoted

with

telemetry as (
    select * from {{ source('raw', 'telemetry') }}
),

-- A service day delivered again in a later file (a backfill or a correction) replaces the earlier
-- one.
service_days_ranked_by_file as (
    select
        *,
        row_number() over (
            partition by usage_date, lower(trim(service_id))
            order by _file_id desc, _line desc
        ) as delivery_rank
    from telemetry
),

renamed as (
    select
        -- ids
        lower(trim(service_id)) as service_id,
        _file_id as source_file_id,
        _line as source_line,
        -- numerics
        requests,
        cpu_core_hours,
        storage_gb,
        active_users,
        ci_builds,
        hosts,
        slo_good_events,
        slo_total_events,
        ci_runner_minutes,
        observability_ingest_gb,
        -- dates
        usage_date,
        cast(date_trunc('month', usage_date) as date) as usage_month
    from service_days_ranked_by_file
    where delivery_rank = 1
)

select * from renamed

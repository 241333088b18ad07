with

container_usage as (
    select * from {{ source('raw', 'container_usage') }}
),

-- A pod hour delivered again in a later file (a backfill or a correction) replaces the earlier
-- one.
pod_hours_ranked_by_file as (
    select
        *,
        row_number() over (
            partition by usage_hour, trim(cluster_name), trim(namespace), trim(pod_name)
            order by _file_id desc, _line desc
        ) as delivery_rank
    from container_usage
),

renamed as (
    select
        -- ids
        trim(cluster_name) as cluster_name,
        trim(namespace) as namespace,
        trim(pod_name) as pod_name,
        nullif(lower(trim(service_id)), '') as service_id,
        _file_id as source_file_id,
        _line as source_line,
        -- numerics
        cpu_cores_requested,
        cpu_cores_used,
        memory_gib_requested,
        memory_gib_used,
        -- dates
        cast(usage_hour as date) as usage_date,
        -- timestamps
        usage_hour
    from pod_hours_ranked_by_file
    where delivery_rank = 1
)

select * from renamed

with

load_log as (
    select * from {{ source('raw', 'load_log') }}
),

renamed as (
    select
        -- ids
        file_id,
        run_id,
        sha256 as file_sha256,
        -- strings
        extract_kind,
        path as file_path,
        focus_version,
        status as load_status,
        message as load_message,
        -- numerics
        file_bytes,
        rows_read,
        rows_loaded,
        rows_quarantined,
        -- timestamps
        loaded_at,
        coalesce(landed_at, loaded_at) as landed_at
    from load_log
)

select * from renamed

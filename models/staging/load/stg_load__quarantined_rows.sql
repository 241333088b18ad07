with

quarantine as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        -- ids
        file_id,
        line as source_line,
        -- strings
        path as file_path,
        column_name,
        reason as quarantine_reason,
        raw_record,
        -- timestamps
        quarantined_at
    from quarantine
)

select * from renamed

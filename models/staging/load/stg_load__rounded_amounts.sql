with

rounded_amounts as (
    select * from {{ source('raw', 'rounded_amounts') }}
),

renamed as (
    select
        -- ids
        file_id as source_file_id,
        line as source_line,
        -- strings
        column_name as source_column_name,
        delivered_value,
        -- numerics
        stored_value,
        rounding_difference
    from rounded_amounts
)

select * from renamed

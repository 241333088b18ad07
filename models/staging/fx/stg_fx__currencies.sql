with

currency_reference as (
    select * from {{ source('raw', 'currency_reference') }}
),

renamed as (
    select
        -- ids
        currency_code,
        -- strings
        currency_name,
        -- numerics
        minor_units
    from currency_reference
)

select * from renamed

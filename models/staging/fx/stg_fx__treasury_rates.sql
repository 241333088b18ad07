with

fx_rates as (
    select * from {{ source('raw', 'fx_rates') }}
),

-- A rate delivered again in a later file (a correction) replaces the earlier one.
rates_ranked_by_file as (
    select
        *,
        row_number() over (
            partition by rate_date, upper(trim(base_currency)), upper(trim(quote_currency))
            order by _file_id desc, _line desc
        ) as delivery_rank
    from fx_rates
),

renamed as (
    select
        -- ids
        _file_id as source_file_id,
        _line as source_line,
        -- strings
        upper(trim(base_currency)) as base_currency,
        upper(trim(quote_currency)) as quote_currency,
        'treasury' as rate_source,
        -- numerics
        cast(rate as decimal(38, 12)) as rate,
        -- dates
        rate_date
    from rates_ranked_by_file
    where delivery_rank = 1
)

select * from renamed

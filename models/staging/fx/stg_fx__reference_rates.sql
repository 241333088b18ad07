with

fx_reference_rates as (
    select * from {{ source('raw', 'fx_reference_rates') }}
),

reference_rates as (
    select distinct
        upper(trim(currency)) as currency_code,
        source as rate_source,
        cast(units_per_eur as decimal(38, 12)) as units_per_eur,
        rate_date
    from fx_reference_rates
),

-- ECB quotes every currency against the euro and has no EUR row: EUR is 1 on every ECB day,
-- which makes cross rates through EUR (and a EUR reporting currency) uniform.
euro_rates as (
    select distinct
        'EUR' as currency_code,
        rate_source,
        cast(1 as decimal(38, 12)) as units_per_eur,
        rate_date
    from reference_rates
    where not exists (
            select 1
            from reference_rates as published_euro
            where
                published_euro.currency_code = 'EUR'
                and published_euro.rate_date = reference_rates.rate_date
        )
),

unioned as (
    select * from reference_rates
    union all
    select * from euro_rates
)

select * from unioned

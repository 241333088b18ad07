with

-- A rate that is not positive cannot convert anything: left out (the charges it would have
-- converted fall back to ECB or count as missing rates).
treasury_rates as (
    select * from {{ ref('stg_fx__treasury_rates') }}
    where rate > 0
),

reference_rates as (
    select * from {{ ref('stg_fx__reference_rates') }}
    where units_per_eur > 0
),

-- Treasury quotes 1 base = rate quote. A direct quote (base = currency, quote = reporting) is the
-- rate itself; an inverse quote (base = reporting) is 1 / rate. Direct wins when both exist.
treasury_quotes as (
    select
        base_currency as currency_code,
        rate_date,
        rate as fx_rate,
        1 as quote_rank
    from treasury_rates
    where quote_currency = '{{ reporting_currency() }}'
        and base_currency <> '{{ reporting_currency() }}'

    union all

    select
        quote_currency as currency_code,
        rate_date,
        {{ decimal_divide('1', 'rate', 12) }} as fx_rate,
        2 as quote_rank
    from treasury_rates
    where base_currency = '{{ reporting_currency() }}'
        and quote_currency <> '{{ reporting_currency() }}'
),

treasury_quotes_ranked as (
    select
        *,
        row_number() over (
            partition by currency_code, rate_date order by quote_rank
        ) as quote_order
    from treasury_quotes
),

treasury_to_reporting as (
    select
        currency_code,
        'treasury' as rate_source,
        fx_rate,
        rate_date
    from treasury_quotes_ranked
    where quote_order = 1
),

-- ECB cross rate through EUR on the same publication day:
-- 1 unit of currency = units_per_eur(reporting) / units_per_eur(currency) reporting units.
reporting_per_eur as (
    select
        rate_date,
        units_per_eur
    from reference_rates
    where currency_code = '{{ reporting_currency() }}'
),

ecb_to_reporting as (
    select
        reference_rates.currency_code,
        reference_rates.rate_source,
        {{ decimal_divide(
            'reporting_per_eur.units_per_eur', 'reference_rates.units_per_eur', 12
        ) }} as fx_rate,
        reference_rates.rate_date
    from reference_rates
    inner join reporting_per_eur
        on reference_rates.rate_date = reporting_per_eur.rate_date
    where reference_rates.currency_code <> '{{ reporting_currency() }}'
),

-- The reporting currency converts to itself at 1 on every day any rate is published.
identity_rates as (
    select distinct
        '{{ reporting_currency() }}' as currency_code,
        'identity' as rate_source,
        cast(1 as decimal(38, 12)) as fx_rate,
        rate_date
    from (
        select rate_date from treasury_to_reporting
        union all
        select rate_date from ecb_to_reporting
    ) as published_days
),

-- Source order: identity, then the company's treasury rates, then ECB.
rates_unioned as (
    select
        *,
        1 as source_rank
    from identity_rates
    union all
    select
        *,
        2 as source_rank
    from treasury_to_reporting
    union all
    select
        *,
        3 as source_rank
    from ecb_to_reporting
),

rates_ranked as (
    select
        *,
        row_number() over (
            partition by currency_code, rate_date order by source_rank
        ) as source_order
    from rates_unioned
),

final as (
    select
        -- ids
        currency_code,
        -- strings
        '{{ reporting_currency() }}' as reporting_currency,
        rate_source,
        -- numerics
        cast(fx_rate as decimal(38, 12)) as fx_rate,
        -- dates
        rate_date
    from rates_ranked
    where source_order = 1
)

select * from final

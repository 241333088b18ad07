{{ config(**month_incremental_config('billing_month')) }}

with

-- (currency, day) of every charge, all months: the FX lookup is checked for each of them
charge_days as (
    select distinct
        billing_currency,
        billing_month,
        charge_date
    from {{ ref('stg_focus__charges') }}
),

charges as (
    select
        charge_id,
        source_file_id,
        source_line,
        billing_currency,
        billed_cost,
        effective_cost,
        billing_month,
        charge_date
    from {{ ref('stg_focus__charges') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_to_reporting_currency') }}
),

-- The as-of lookup runs once per (currency, day), not per charge.
lookup_days as (
    select distinct
        billing_currency as currency_code,
        charge_date
    from charge_days
    where billing_currency <> '{{ reporting_currency() }}'
),

-- Lookup days and publication days on one timeline per currency: the running max of each
-- source's publication dates is, on a lookup day, that source's latest rate on or before it
-- (ECB publishes no weekend or holiday rates; a treasury file may be monthly).
timeline as (
    select
        currency_code,
        charge_date as event_date,
        true as is_lookup,
        cast(null as date) as treasury_rate_date,
        cast(null as date) as ecb_rate_date
    from lookup_days

    union all

    select
        currency_code,
        rate_date as event_date,
        false as is_lookup,
        case when rate_source = 'treasury' then rate_date end as treasury_rate_date,
        case when rate_source = 'ECB' then rate_date end as ecb_rate_date
    from fx_rates
    where currency_code in (select lookup_days.currency_code from lookup_days)
),

latest_rate_dates as (
    select
        currency_code,
        event_date,
        is_lookup,
        max(treasury_rate_date) over (
            partition by currency_code
            order by event_date
            range between unbounded preceding and current row
        ) as treasury_rate_date,
        max(ecb_rate_date) over (
            partition by currency_code
            order by event_date
            range between unbounded preceding and current row
        ) as ecb_rate_date
    from timeline
),

-- Source order: the company's treasury rate if it has one on or before the day, else ECB's.
rate_dates_chosen as (
    select
        currency_code,
        event_date as charge_date,
        case
            when treasury_rate_date is not null then 'treasury'
            when ecb_rate_date is not null then 'ECB'
        end as fx_rate_source,
        coalesce(treasury_rate_date, ecb_rate_date) as fx_rate_date
    from latest_rate_dates
    where is_lookup
),

rates_as_of_charge_date as (
    select
        rate_dates_chosen.currency_code,
        rate_dates_chosen.charge_date,
        fx_rates.rate_source as fx_rate_source,
        fx_rates.fx_rate,
        fx_rates.rate_date as fx_rate_date
    from rate_dates_chosen
    inner join fx_rates
        on
            rate_dates_chosen.currency_code = fx_rates.currency_code
            and rate_dates_chosen.fx_rate_date = fx_rates.rate_date
            and rate_dates_chosen.fx_rate_source = fx_rates.rate_source
),

{% if is_incremental() %}
-- Incremental run: the months staging rebuilt, and the months whose rate as of a charge day
-- is no longer the one the table converted with (a treasury file landed or was corrected).
rates_in_table as (
    select distinct
        billing_month,
        billing_currency,
        charge_date,
        fx_rate_source,
        fx_rate,
        fx_rate_date
    from {{ this }}
    where billing_currency <> '{{ reporting_currency() }}'
),

months_with_changed_rates as (
    select distinct rates_in_table.billing_month
    from rates_in_table
    left join rates_as_of_charge_date
        on
            rates_in_table.billing_currency = rates_as_of_charge_date.currency_code
            and rates_in_table.charge_date = rates_as_of_charge_date.charge_date
    where
        rates_in_table.fx_rate is distinct from rates_as_of_charge_date.fx_rate
        or rates_in_table.fx_rate_source is distinct from rates_as_of_charge_date.fx_rate_source
        or rates_in_table.fx_rate_date is distinct from rates_as_of_charge_date.fx_rate_date
),

months_to_build as {{ materialized_cte() }} (
    {{ months_rebuilt_upstream(ref('stg_focus__charges')) }}
    union
    select months_with_changed_rates.billing_month from months_with_changed_rates
),
{% endif %}

charges_with_rates as (
    select
        charges.*,
        {{ fx_rate_columns(
            'charges.billing_currency', 'charges.charge_date', 'rates_as_of_charge_date'
        ) }}
    from charges
    left join rates_as_of_charge_date
        on
            charges.billing_currency = rates_as_of_charge_date.currency_code
            and charges.charge_date = rates_as_of_charge_date.charge_date
    {{ where_months_to_build('charges.billing_month') }}
),

final as (
    select
        -- ids
        charge_id,
        source_file_id,
        source_line,
        -- strings
        billing_currency,
        '{{ reporting_currency() }}' as reporting_currency,
        fx_rate_source,
        -- numerics: a missing rate leaves the reporting amounts null, never a silent 1.0
        billed_cost,
        effective_cost,
        fx_rate,
        {{ decimal_multiply('billed_cost', 'fx_rate', 12) }} as billed_cost_reporting,
        {{ decimal_multiply('effective_cost', 'fx_rate', 12) }} as effective_cost_reporting,
        -- booleans
        fx_rate is null as has_missing_fx_rate,
        -- dates
        charge_date,
        fx_rate_date,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        billing_month
    from charges_with_rates
)

select * from final

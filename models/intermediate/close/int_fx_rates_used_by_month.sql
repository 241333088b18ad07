{#- The FX rates a billing month's conversions can use, which `tbm close` freezes with the month
    (closed.fx_rates): per currency billed in the month (the allocated costs), its rates dated
    in the month and the latest one before it (the as-of rate of the month's first days). -#}

with

rates as (
    select * from {{ ref('int_fx_rates_to_reporting_currency') }}
),

allocated_costs as (
    select * from {{ ref('int_allocated_costs_summed_by_service_version') }}
),

month_currencies as (
    select distinct
        billing_month,
        billing_currency as currency_code
    from allocated_costs
),

rates_before_month as (
    select
        month_currencies.billing_month,
        month_currencies.currency_code,
        max(rates.rate_date) as rate_date
    from month_currencies
    inner join rates
        on
            month_currencies.currency_code = rates.currency_code
            and month_currencies.billing_month > rates.rate_date
    group by
        month_currencies.billing_month,
        month_currencies.currency_code
),

rates_used as (
    select
        month_currencies.billing_month,
        rates.currency_code,
        rates.reporting_currency,
        rates.rate_source,
        rates.fx_rate,
        rates.rate_date
    from month_currencies
    inner join rates
        on
            month_currencies.currency_code = rates.currency_code
            and month_currencies.billing_month <= rates.rate_date
            and cast({{ dbt.dateadd('month', 1, 'month_currencies.billing_month') }} as date)
            > rates.rate_date

    union all

    select
        rates_before_month.billing_month,
        rates.currency_code,
        rates.reporting_currency,
        rates.rate_source,
        rates.fx_rate,
        rates.rate_date
    from rates_before_month
    inner join rates
        on
            rates_before_month.currency_code = rates.currency_code
            and rates_before_month.rate_date = rates.rate_date
),

final as (
    select
        cast(billing_month as date) as billing_month,
        cast(currency_code as string) as currency_code,
        cast(reporting_currency as string) as reporting_currency,
        cast(rate_source as string) as rate_source,
        cast(fx_rate as decimal(38, 12)) as fx_rate,
        cast(rate_date as date) as rate_date
    from rates_used
)

select * from final

with

-- Cloud invoices bill the same money as the FOCUS lines of their billing account (reconciled,
-- not allocated): only SaaS and vendor invoice lines are allocated.
invoice_lines as (
    select * from {{ ref('stg_invoices__invoice_lines') }}
    where lower(invoice_type) <> 'cloud'
),

fx_rates as (
    select * from {{ ref('int_fx_rates_to_reporting_currency') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

-- A line converts at one rate, as of the first day of its service period (as a charge converts
-- as of its charge date). The amortized parts of a prepaid line keep that rate: a prepayment is
-- carried at its historical rate, so its amortized and billed reporting totals are equal.
lookup_days as (
    select distinct
        billing_currency as currency_code,
        service_period_start as lookup_date
    from invoice_lines
    where billing_currency <> '{{ reporting_currency() }}'
),

-- Source order as for charges: the latest treasury rate on or before the day if there is one,
-- else the latest ECB rate on or before the day.
rates_on_or_before_lookup_days as (
    select
        lookup_days.currency_code,
        lookup_days.lookup_date,
        fx_rates.rate_source as fx_rate_source,
        fx_rates.fx_rate,
        fx_rates.rate_date as fx_rate_date,
        row_number() over (
            partition by lookup_days.currency_code, lookup_days.lookup_date
            order by
                case fx_rates.rate_source when 'treasury' then 1 else 2 end,
                fx_rates.rate_date desc
        ) as rate_order
    from lookup_days
    inner join fx_rates
        on
            lookup_days.currency_code = fx_rates.currency_code
            and lookup_days.lookup_date >= fx_rates.rate_date
            and fx_rates.rate_source in ('treasury', 'ECB')
),

rates_as_of_lookup_days as (
    select * from rates_on_or_before_lookup_days
    where rate_order = 1
),

lines_with_rates as (
    select
        invoice_lines.*,
        currencies.minor_units as billing_minor_units,
        {{ fx_rate_columns(
            'invoice_lines.billing_currency',
            'invoice_lines.service_period_start',
            'rates_as_of_lookup_days',
        ) }}
    from invoice_lines
    left join currencies
        on invoice_lines.billing_currency = currencies.currency_code
    left join rates_as_of_lookup_days
        on
            invoice_lines.billing_currency = rates_as_of_lookup_days.currency_code
            and invoice_lines.service_period_start = rates_as_of_lookup_days.lookup_date
),

reporting_currency as (
    select minor_units as reporting_minor_units
    from currencies
    where currency_code = '{{ reporting_currency() }}'
),

final as (
    select
        -- ids
        lines_with_rates.invoice_id,
        lines_with_rates.invoice_line_id,
        lines_with_rates.billing_account_id,
        -- strings
        lines_with_rates.invoice_type,
        lines_with_rates.vendor_name,
        lines_with_rates.product,
        lines_with_rates.billing_currency,
        '{{ reporting_currency() }}' as reporting_currency,
        lines_with_rates.fx_rate_source,
        -- numerics: a missing rate leaves the reporting amount null, never a silent 1.0
        lines_with_rates.amount_billing,
        lines_with_rates.fx_rate,
        {{ decimal_multiply('lines_with_rates.amount_billing', 'lines_with_rates.fx_rate', 12) }}
            as amount_reporting,
        cast(lines_with_rates.billing_minor_units as integer) as billing_minor_units,
        cast(reporting_currency.reporting_minor_units as integer) as reporting_minor_units,
        -- booleans
        lines_with_rates.fx_rate is null as has_missing_fx_rate,
        -- dates
        lines_with_rates.invoice_date,
        lines_with_rates.service_period_start,
        lines_with_rates.service_period_end,
        lines_with_rates.service_month,
        lines_with_rates.fx_rate_date
    from lines_with_rates
    left join reporting_currency
        on true
)

select * from final

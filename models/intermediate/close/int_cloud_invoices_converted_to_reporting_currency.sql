-- Cloud invoices (invoice_type `cloud`) totaled per invoice and converted to the reporting
-- currency at the latest rate on or before the invoice date.
with

invoice_lines as (
    select * from {{ ref('stg_invoices__invoice_lines') }}
    where lower(invoice_type) = 'cloud'
),

fx_rates as (
    select * from {{ ref('int_fx_rates_to_reporting_currency') }}
),

invoices_totaled as (
    select
        invoice_id,
        billing_account_id,
        vendor_name,
        billing_currency,
        max(invoice_date) as invoice_date,
        min(service_month) as billing_month,
        sum(amount_billing) as invoice_total_billing,
        count(*) as invoice_line_count
    from invoice_lines
    group by
        invoice_id,
        billing_account_id,
        vendor_name,
        billing_currency
),

rates_on_or_before_invoice_date as (
    select
        invoices_totaled.invoice_id,
        fx_rates.fx_rate,
        row_number() over (
            partition by invoices_totaled.invoice_id order by fx_rates.rate_date desc
        ) as rate_order
    from invoices_totaled
    inner join fx_rates
        on
            invoices_totaled.billing_currency = fx_rates.currency_code
            and invoices_totaled.invoice_date >= fx_rates.rate_date
),

latest_rates as (
    select * from rates_on_or_before_invoice_date
    where rate_order = 1
),

final as (
    select
        -- ids
        cast(invoices_totaled.invoice_id as string) as invoice_id,
        cast(invoices_totaled.billing_account_id as string) as billing_account_id,
        -- strings
        cast(invoices_totaled.vendor_name as string) as vendor_name,
        cast(invoices_totaled.billing_currency as string) as billing_currency,
        -- numerics
        cast(invoices_totaled.invoice_total_billing as decimal(38, 12)) as invoice_total_billing,
        cast(latest_rates.fx_rate as decimal(38, 12)) as fx_rate,
        {{ decimal_multiply(
            'invoices_totaled.invoice_total_billing', 'latest_rates.fx_rate', 12
        ) }} as invoice_total_reporting,
        invoices_totaled.invoice_line_count,
        -- dates
        cast(invoices_totaled.billing_month as date) as billing_month,
        cast(invoices_totaled.invoice_date as date) as invoice_date
    from invoices_totaled
    left join latest_rates
        on invoices_totaled.invoice_id = latest_rates.invoice_id
)

select * from final

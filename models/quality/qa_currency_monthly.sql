with

charge_checks as (
    select
        billing_account_id,
        billing_currency,
        billing_month,
        charge_count,
        unknown_currency_count,
        missing_fx_rate_count,
        sample_unknown_currency_charge_id,
        sample_missing_fx_rate_charge_id
    from {{ ref('int_charges_checked_by_account_and_month') }}
),

invoice_lines as (
    select
        invoice_id,
        invoice_line_id,
        billing_currency,
        is_unknown_currency,
        has_excess_precision,
        service_month
    from {{ ref('stg_invoices__invoice_lines') }}
),

-- The checks per charge are in int_charges_checked_by_account_and_month (a charge without a
-- conversion row has no rate either, same rule as qa_billing_monthly).
charge_checks_by_month as (
    select
        billing_month,
        sum(charge_count) as charge_count,
        sum(unknown_currency_count) as unknown_currency_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count,
        min(sample_unknown_currency_charge_id) as sample_unknown_currency_charge_id,
        min(sample_missing_fx_rate_charge_id) as sample_missing_fx_rate_charge_id
    from charge_checks
    group by billing_month
),

invoice_checks_by_month as (
    select
        service_month as billing_month,
        count(*) as invoice_line_count,
        sum(case when is_unknown_currency then 1 else 0 end)
            as unknown_currency_invoice_line_count,
        sum(case when has_excess_precision then 1 else 0 end)
            as excess_precision_invoice_line_count,
        min(case when is_unknown_currency then invoice_id || '/' || invoice_line_id end)
            as sample_unknown_currency_invoice_line,
        min(case when has_excess_precision then invoice_id || '/' || invoice_line_id end)
            as sample_excess_precision_invoice_line
    from invoice_lines
    group by service_month
),

-- A mixed-currency sum: amounts that the marts or an invoice total would add up although they
-- are in different currencies. A billing account bills in one currency per month, an invoice
-- is in one currency.
billing_account_currencies as (
    select
        billing_month,
        billing_account_id,
        count(distinct billing_currency) as currency_count
    from charge_checks
    group by
        billing_month,
        billing_account_id
),

invoice_currencies as (
    select
        invoice_id,
        min(service_month) as billing_month,
        count(distinct billing_currency) as currency_count
    from invoice_lines
    group by invoice_id
),

mixed_currency_sums as (
    select
        billing_month,
        'billing account ' || billing_account_id as mixed_currency_sum
    from billing_account_currencies
    where currency_count > 1

    union all

    select
        billing_month,
        'invoice ' || invoice_id as mixed_currency_sum
    from invoice_currencies
    where currency_count > 1
),

mixed_currency_sums_by_month as (
    select
        billing_month,
        count(*) as mixed_currency_sum_count,
        min(mixed_currency_sum) as sample_mixed_currency_sum
    from mixed_currency_sums
    group by billing_month
),

months as (
    select billing_month from charge_checks_by_month
    union
    select billing_month from invoice_checks_by_month
    union
    select billing_month from mixed_currency_sums_by_month
),

final as (
    select
        -- dimensions
        months.billing_month,
        -- numerics: volumes
        cast(coalesce(charge_checks_by_month.charge_count, 0) as bigint) as charge_count,
        cast(coalesce(invoice_checks_by_month.invoice_line_count, 0) as bigint)
            as invoice_line_count,
        -- numerics: check counts
        cast(coalesce(charge_checks_by_month.unknown_currency_count, 0) as bigint)
            as unknown_currency_count,
        cast(coalesce(charge_checks_by_month.missing_fx_rate_count, 0) as bigint)
            as missing_fx_rate_count,
        cast(coalesce(invoice_checks_by_month.unknown_currency_invoice_line_count, 0) as bigint)
            as unknown_currency_invoice_line_count,
        cast(coalesce(invoice_checks_by_month.excess_precision_invoice_line_count, 0) as bigint)
            as excess_precision_invoice_line_count,
        cast(coalesce(mixed_currency_sums_by_month.mixed_currency_sum_count, 0) as bigint)
            as mixed_currency_sum_count,
        cast(
            coalesce(charge_checks_by_month.unknown_currency_count, 0)
            + coalesce(charge_checks_by_month.missing_fx_rate_count, 0)
            + coalesce(invoice_checks_by_month.unknown_currency_invoice_line_count, 0)
            + coalesce(invoice_checks_by_month.excess_precision_invoice_line_count, 0)
            + coalesce(mixed_currency_sums_by_month.mixed_currency_sum_count, 0)
            as bigint
        ) as currency_error_count,
        -- strings: one example per check, to start an investigation from
        charge_checks_by_month.sample_unknown_currency_charge_id,
        charge_checks_by_month.sample_missing_fx_rate_charge_id,
        invoice_checks_by_month.sample_unknown_currency_invoice_line,
        invoice_checks_by_month.sample_excess_precision_invoice_line,
        mixed_currency_sums_by_month.sample_mixed_currency_sum
    from months
    left join charge_checks_by_month
        on months.billing_month = charge_checks_by_month.billing_month
    left join invoice_checks_by_month
        on months.billing_month = invoice_checks_by_month.billing_month
    left join mixed_currency_sums_by_month
        on months.billing_month = mixed_currency_sums_by_month.billing_month
)

select * from final

{#- The month-end reconciliation of the cloud bills, for the warning suite
    expectations/invoice_reconciliation.json: an invoice whose total differs from its billing
    lines beyond the tolerance (mismatch), billing that no invoice claims (missing_invoice) and
    an invoice without billing (invoice_without_billing) are published with a warning naming the
    invoice, the account, the month and the difference in the billing currency. -#}
with

reconciliation as (
    select * from {{ ref('fct_month_end_reconciliation') }}
),

named as (
    select
        reconciliation_id,
        invoice_id,
        coalesce(provider_name, 'unknown provider') as provider_name,
        coalesce(billing_account_id, 'unknown account') as billing_account_id,
        billing_currency,
        reconciliation_status,
        invoice_delta_billing,
        billing_month,
        case when reconciliation_status = 'mismatch' then 1 else 0 end as mismatch_count,
        case when reconciliation_status = 'missing_invoice' then 1 else 0 end
            as missing_invoice_count,
        case when reconciliation_status = 'invoice_without_billing' then 1 else 0 end
            as invoice_without_billing_count,
        concat_ws(
            ', ',
            'invoice ' || coalesce({{ decimal_text('invoice_total_billing') }}, 'none'),
            'billing ' || coalesce({{ decimal_text('billed_cost_rounded_billing') }}, 'none'),
            'difference '
            || case when invoice_delta_billing > 0 then '+' else '' end
            || coalesce({{ decimal_text('invoice_delta_billing') }}, 'unknown')
            || ' ' || billing_currency
        ) as difference
    from reconciliation
),

final as (
    select
        -- ids
        cast(
            cast(billing_month as string) || ' ' || provider_name || ' '
            || coalesce('invoice ' || invoice_id, 'no invoice') || ' ('
            || billing_account_id || ', ' || billing_currency || ')'
            as string
        ) as invoice_month,
        cast(reconciliation_id as string) as reconciliation_id,
        cast(invoice_id as string) as invoice_id,
        -- strings
        cast(provider_name as string) as provider_name,
        cast(billing_account_id as string) as billing_account_id,
        cast(billing_currency as string) as billing_currency,
        cast(reconciliation_status as string) as reconciliation_status,
        cast(difference as string) as difference,
        -- numerics
        cast(invoice_delta_billing as decimal(38, 12)) as invoice_delta_billing,
        cast(mismatch_count as bigint) as mismatch_count,
        cast(missing_invoice_count as bigint) as missing_invoice_count,
        cast(invoice_without_billing_count as bigint) as invoice_without_billing_count,
        -- dates
        cast(billing_month as date) as billing_month
    from named
)

select * from final

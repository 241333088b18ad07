{{ config(materialized='view') }}

with

compared as (
    select * from {{ ref('int_reconciliation_compared_to_closed_months') }}
),

final as (
    select
        -- ids
        cast(reconciliation_id as string) as reconciliation_id,
        cast(close_id as string) as close_id,
        cast(invoice_id as string) as invoice_id,
        cast(billing_account_id as string) as billing_account_id,
        -- strings
        cast(provider_name as string) as provider_name,
        cast(billing_currency as string) as billing_currency,
        cast(reporting_currency as string) as reporting_currency,
        cast(closed_reconciliation_status as string) as closed_reconciliation_status,
        cast(would_be_reconciliation_status as string) as would_be_reconciliation_status,
        {{- restatement_columns(frozen_mart_amounts('fct_month_end_reconciliation')) }}
    from compared
)

select * from final

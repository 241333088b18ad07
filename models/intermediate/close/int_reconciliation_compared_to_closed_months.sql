with

{{ compare_with_closed_months(
    current_relation=ref('int_invoices_reconciled_with_billing_lines'),
    closed_relation=ref('stg_closed__reconciliations'),
    key_columns=frozen_mart_keys('fct_month_end_reconciliation'),
    amount_columns=frozen_mart_amounts('fct_month_end_reconciliation'),
    attribute_columns=['reconciliation_status'],
) }}

select * from compared_with_closes

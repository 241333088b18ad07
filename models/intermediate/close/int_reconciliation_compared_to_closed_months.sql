{{ config(pre_hook=["{{ create_closed_table('fct_month_end_reconciliation') }}"]) }}
-- closed.current_closes comes from the pre-hook of int_allocated_costs_compared_to_closed_months;
-- one model at a time writes the closed schema (DuckDB refuses concurrent catalog changes):
-- depends_on: {{ ref('int_showback_compared_to_closed_months') }}

{{ compare_with_closed_months(
    current_relation=ref('fct_month_end_reconciliation'),
    closed_relation=source('closed', 'fct_month_end_reconciliation'),
    key_columns=[
        'reconciliation_id',
        'billing_currency',
        'provider_name',
        'billing_account_id',
        'invoice_id',
        'reporting_currency',
    ],
    amount_columns=[
        'invoice_total_billing',
        'billed_cost_billing',
        'allocated_cost_billing',
        'invoice_total_reporting',
        'billed_cost_reporting',
        'allocated_cost_reporting',
    ],
    attribute_columns=['reconciliation_status'],
) }}

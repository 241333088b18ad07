{{ config(pre_hook=["{{ create_closed_table('fct_showback_monthly') }}"]) }}
-- closed.current_closes comes from the pre-hook of int_allocated_costs_compared_to_closed_months;
-- one model at a time writes the closed schema (DuckDB refuses concurrent catalog changes):
-- depends_on: {{ ref('int_allocated_costs_compared_to_closed_months') }}

{{ compare_with_closed_months(
    current_relation=ref('fct_showback_monthly'),
    closed_relation=source('closed', 'fct_showback_monthly'),
    key_columns=['business_unit', 'cost_center', 'reporting_currency'],
    amount_columns=[
        'billed_cost_reporting',
        'effective_cost_reporting',
        'direct_effective_cost_reporting',
        'shared_effective_cost_reporting',
        'unallocated_effective_cost_reporting',
        'idle_effective_cost_reporting',
    ],
) }}

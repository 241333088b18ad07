with

{{ compare_with_closed_months(
    current_relation=ref('int_allocated_costs_summed_by_owner'),
    closed_relation=ref('stg_closed__showback_costs'),
    key_columns=frozen_mart_keys('fct_showback_monthly'),
    amount_columns=frozen_mart_amounts('fct_showback_monthly'),
) }}

select * from compared_with_closes

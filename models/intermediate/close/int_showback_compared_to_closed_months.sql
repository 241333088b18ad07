with

{{ compare_with_closed_months(
    current_relation=ref('int_allocated_costs_summed_by_owner'),
    closed_relation=ref('stg_closed__showback_costs'),
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

select * from compared_with_closes

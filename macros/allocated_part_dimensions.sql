{#- allocated_part_dimensions(with_driver): the dimensions of an allocated part, the grain at
    which the allocation models sum their cost lines
    (int_direct_costs_attributed_to_service_versions,
    int_allocated_costs_summed_by_service_version). A direct or unallocated part has no driver:
    with_driver=false leaves out driver_type and driver_metric. -#}
{% macro allocated_part_dimensions(with_driver=true) -%}
    {%- set driver_dimensions = ['driver_type', 'driver_metric'] if with_driver else [] -%}
    {{ return([
        'billing_month',
        'billing_currency',
        'source_type',
        'service_id',
        'service_valid_from',
        'cost_pool',
        'cost_sub_pool',
        'tower',
        'sub_tower',
        'allocation_method',
        'allocation_rule_id',
        'shared_pool_id',
    ] + driver_dimensions + [
        'unallocated_reason',
        'is_idle_cost',
    ]) }}
{%- endmacro %}

{#- The four amounts of a cost line (charge group, invoice part, allocated part): billed and
    effective cost in the billing currency (`_billing`) and in the reporting currency
    (`_reporting`). One place for how they are summed and how they are allocated, so that every
    allocation step treats them alike. -#}

{#- sum_cost_amounts(missing_count, missing_flag, billing_suffix): the select items summing the
    four amounts over a group, named billed_cost_billing, effective_cost_billing,
    billed_cost_reporting and effective_cost_reporting; the reporting sums are FX-safe
    (fx_safe_sum with the given missing_count or missing_flag, else null when a summed
    reporting amount is null). billing_suffix: the suffix of the billing-currency columns read
    ('_billing'; '' for charge-level rows, whose FOCUS columns are billed_cost and
    effective_cost). -#}
{% macro sum_cost_amounts(missing_count=none, missing_flag=none, billing_suffix='_billing') -%}
    sum(billed_cost{{ billing_suffix }}) as billed_cost_billing,
    sum(effective_cost{{ billing_suffix }}) as effective_cost_billing,
    {{ tbm_warehouse.fx_safe_sum(
        'billed_cost_reporting', missing_count=missing_count, missing_flag=missing_flag
    ) }} as billed_cost_reporting,
    {{ tbm_warehouse.fx_safe_sum(
        'effective_cost_reporting', missing_count=missing_count, missing_flag=missing_flag
    ) }} as effective_cost_reporting
{%- endmacro %}

{#- allocate_cost_amounts(pools, receivers, pool_keys, receiver_keys, weight_column, currencies):
    allocate_largest_remainder of the four amounts of each pool (a relation with pool_keys,
    billing_currency and the four amounts), each amount in whole minor units of its currency
    (ISO 4217, from `currencies`: the billing currency's for the `_billing` amounts, the
    reporting currency's for the `_reporting` ones) whenever the pool's amount is. -#}
{% macro allocate_cost_amounts(
    pools,
    receivers,
    pool_keys,
    receiver_keys,
    weight_column,
    currencies
) -%}
    {%- set pools_with_minor_units -%}
    (
        select
            cost_pools.*,
            billing_currencies.minor_units as billing_minor_units,
            reporting_currencies.minor_units as reporting_minor_units
        from {{ pools }} as cost_pools
        left join {{ currencies }} as billing_currencies
            on cost_pools.billing_currency = billing_currencies.currency_code
        left join {{ currencies }} as reporting_currencies
            on reporting_currencies.currency_code = '{{ tbm_warehouse.reporting_currency() }}'
    ) as cost_pools_with_minor_units
    {%- endset -%}
    {{ return(tbm_warehouse.allocate_largest_remainder(
        pools=pools_with_minor_units,
        receivers=receivers,
        pool_keys=pool_keys,
        receiver_keys=receiver_keys,
        weight_column=weight_column,
        amount_columns=[
            'billed_cost_billing',
            'effective_cost_billing',
            'billed_cost_reporting',
            'effective_cost_reporting',
        ],
        decimals={
            'billed_cost_billing': 'billing_minor_units',
            'effective_cost_billing': 'billing_minor_units',
            'billed_cost_reporting': 'reporting_minor_units',
            'effective_cost_reporting': 'reporting_minor_units',
        },
    )) }}
{%- endmacro %}

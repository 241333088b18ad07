{%- set amounts = frozen_mart_amounts('fct_allocated_costs') -%}
{#- a closed (or adjustment) row only where one of its amounts is not 0 -#}
{%- set closed_nonzero = [] -%}
{%- set adjustment_nonzero = [] -%}
{%- for amount in amounts -%}
{%- do closed_nonzero.append('closed_' ~ amount ~ ' <> 0') -%}
{%- do adjustment_nonzero.append('adjustment_' ~ amount ~ ' <> 0') -%}
{%- endfor -%}

with

-- the current data summed per billing month, currency and service
{{ union_with_adjustments(
    current_relation=ref('fct_allocated_costs'),
    compared_relation=ref('int_allocated_costs_compared_to_closed_months'),
    key_columns=frozen_mart_keys('fct_allocated_costs'),
    amount_columns=amounts,
    sum_current=true,
    closed_condition=closed_nonzero | join(' or '),
    adjustment_condition=adjustment_nonzero | join(' or '),
) }},

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(billing_currency as string) as billing_currency,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        {{- with_adjustments_columns(amounts) }}
    from unioned
)

select * from final

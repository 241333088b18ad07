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
    key_columns=['billing_currency', 'service_id'],
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
        cast(row_type as string) as row_type,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(adjusted_month as date) as adjusted_month
    from unioned
)

select * from final

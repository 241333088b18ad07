{%- set amounts = frozen_mart_amounts('fct_showback_monthly') -%}

with

{{ union_with_adjustments(
    current_relation=ref('fct_showback_monthly'),
    compared_relation=ref('int_showback_compared_to_closed_months'),
    key_columns=[
        'business_unit',
        'cost_center',
        'reporting_currency',
    ],
    amount_columns=amounts,
) }},

final as (
    select
        -- dimensions
        cast(business_unit as string) as business_unit,
        cast(cost_center as string) as cost_center,
        cast(reporting_currency as string) as reporting_currency,
        cast(row_type as string) as row_type,
        -- numerics
        {% for amount in amounts -%}
        cast({{ amount }} as decimal(38, 12)) as {{ amount }},
        {% endfor -%}
        -- dates
        cast(billing_month as date) as billing_month,
        cast(adjusted_month as date) as adjusted_month
    from unioned
)

select * from final

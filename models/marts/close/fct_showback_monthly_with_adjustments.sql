{%- set amounts = frozen_mart_amounts('fct_showback_monthly') -%}

with

{{ union_with_adjustments(
    current_relation=ref('fct_showback_monthly'),
    compared_relation=ref('int_showback_compared_to_closed_months'),
    key_columns=frozen_mart_keys('fct_showback_monthly'),
    amount_columns=amounts,
) }},

final as (
    select
        -- dimensions
        cast(business_unit as string) as business_unit,
        cast(cost_center as string) as cost_center,
        cast(reporting_currency as string) as reporting_currency,
        {{- with_adjustments_columns(amounts) }}
    from unioned
)

select * from final

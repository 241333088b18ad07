{%- set amounts = frozen_mart_amounts('fct_month_end_reconciliation') -%}

with

{{ union_with_adjustments(
    current_relation=ref('fct_month_end_reconciliation'),
    compared_relation=ref('int_reconciliation_compared_to_closed_months'),
    key_columns=frozen_mart_keys('fct_month_end_reconciliation'),
    amount_columns=amounts,
    attribute_columns=['reconciliation_status'],
) }},

final as (
    select
        -- ids
        cast(reconciliation_id as string) as reconciliation_id,
        cast(invoice_id as string) as invoice_id,
        cast(billing_account_id as string) as billing_account_id,
        -- strings
        cast(provider_name as string) as provider_name,
        cast(billing_currency as string) as billing_currency,
        cast(reporting_currency as string) as reporting_currency,
        cast(reconciliation_status as string) as reconciliation_status,
        {{- with_adjustments_columns(amounts) }}
    from unioned
)

select * from final

-- The comparison of macros/compare_with_closed_months.sql per billing currency and service, in
-- the columns and types of this model (the close marts and the quality check read them).
with

{{ compare_with_closed_months(
    current_relation=ref('int_allocated_costs_summed_by_service_version'),
    closed_relation=ref('stg_closed__allocated_costs'),
    key_columns=frozen_mart_keys('fct_allocated_costs'),
    amount_columns=frozen_mart_amounts('fct_allocated_costs'),
) }},

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        cast(close_id as string) as close_id,
        -- strings
        cast(billing_currency as string) as billing_currency,
        {{- restatement_columns(frozen_mart_amounts('fct_allocated_costs')) }}
    from compared_with_closes
)

select * from final

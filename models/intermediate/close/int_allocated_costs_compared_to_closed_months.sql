-- The comparison of macros/compare_with_closed_months.sql per billing currency and service, in
-- the columns and types of this model (the close marts and the quality check read them).
with

{{ compare_with_closed_months(
    current_relation=ref('int_allocated_costs_summed_by_service_version'),
    closed_relation=ref('stg_closed__allocated_costs'),
    key_columns=['billing_currency', 'service_id'],
    amount_columns=frozen_mart_amounts('fct_allocated_costs'),
) }},

final as (
    select
        -- ids
        cast(compared_with_closes.service_id as string) as service_id,
        cast(compared_with_closes.close_id as string) as close_id,
        -- strings
        cast(compared_with_closes.billing_currency as string) as billing_currency,
        -- numerics
        cast(compared_with_closes.closed_billed_cost_billing as decimal(38, 12))
            as closed_billed_cost_billing,
        cast(compared_with_closes.closed_effective_cost_billing as decimal(38, 12))
            as closed_effective_cost_billing,
        cast(compared_with_closes.closed_billed_cost_reporting as decimal(38, 12))
            as closed_billed_cost_reporting,
        cast(compared_with_closes.closed_effective_cost_reporting as decimal(38, 12))
            as closed_effective_cost_reporting,
        cast(compared_with_closes.would_be_billed_cost_billing as decimal(38, 12))
            as would_be_billed_cost_billing,
        cast(compared_with_closes.would_be_effective_cost_billing as decimal(38, 12))
            as would_be_effective_cost_billing,
        cast(compared_with_closes.would_be_billed_cost_reporting as decimal(38, 12))
            as would_be_billed_cost_reporting,
        cast(compared_with_closes.would_be_effective_cost_reporting as decimal(38, 12))
            as would_be_effective_cost_reporting,
        cast(compared_with_closes.adjustment_billed_cost_billing as decimal(38, 12))
            as adjustment_billed_cost_billing,
        cast(compared_with_closes.adjustment_effective_cost_billing as decimal(38, 12))
            as adjustment_effective_cost_billing,
        cast(compared_with_closes.adjustment_billed_cost_reporting as decimal(38, 12))
            as adjustment_billed_cost_reporting,
        cast(compared_with_closes.adjustment_effective_cost_reporting as decimal(38, 12))
            as adjustment_effective_cost_reporting,
        -- dates
        cast(compared_with_closes.billing_month as date) as billing_month,
        cast(compared_with_closes.next_open_month as date) as next_open_month
    from compared_with_closes
)

select * from final

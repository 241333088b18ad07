{{ config(materialized='view') }}

with

compared as (
    select * from {{ ref('int_allocated_costs_compared_to_closed_months') }}
),

final as (
    select
        -- ids
        service_id,
        close_id,
        -- strings
        billing_currency,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        closed_billed_cost_billing,
        would_be_billed_cost_billing,
        adjustment_billed_cost_billing,
        closed_effective_cost_billing,
        would_be_effective_cost_billing,
        adjustment_effective_cost_billing,
        closed_billed_cost_reporting,
        would_be_billed_cost_reporting,
        adjustment_billed_cost_reporting,
        closed_effective_cost_reporting,
        would_be_effective_cost_reporting,
        adjustment_effective_cost_reporting,
        -- booleans
        (
            adjustment_billed_cost_billing <> 0
            or adjustment_effective_cost_billing <> 0
            or adjustment_billed_cost_reporting <> 0
            or adjustment_effective_cost_reporting <> 0
        ) as is_restated,
        -- dates
        billing_month,
        next_open_month
    from compared
)

select * from final

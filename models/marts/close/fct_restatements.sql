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
        {{- restatement_columns(frozen_mart_amounts('fct_allocated_costs')) }}
    from compared
)

select * from final

{{ config(materialized='view') }}

with

compared as (
    select * from {{ ref('int_showback_compared_to_closed_months') }}
),

final as (
    select
        -- ids
        cast(close_id as string) as close_id,
        -- dimensions
        cast(business_unit as string) as business_unit,
        cast(cost_center as string) as cost_center,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        {% for amount in frozen_mart_amounts('fct_showback_monthly') -%}
        cast(closed_{{ amount }} as decimal(38, 12)) as closed_{{ amount }},
        cast(would_be_{{ amount }} as decimal(38, 12)) as would_be_{{ amount }},
        cast(adjustment_{{ amount }} as decimal(38, 12)) as adjustment_{{ amount }},
        {% endfor -%}
        -- booleans
        is_restated,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(next_open_month as date) as next_open_month
    from compared
)

select * from final

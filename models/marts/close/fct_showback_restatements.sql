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
        {{- restatement_columns(frozen_mart_amounts('fct_showback_monthly')) }}
    from compared
)

select * from final

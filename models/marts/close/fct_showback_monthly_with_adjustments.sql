with

showback as (
    select * from {{ ref('fct_showback_monthly') }}
),

compared as (
    select * from {{ ref('int_showback_compared_to_closed_months') }}
),

closed_months as (
    select distinct billing_month from compared
),

{% set amounts = [
    'billed_cost_reporting',
    'effective_cost_reporting',
    'direct_effective_cost_reporting',
    'shared_effective_cost_reporting',
    'unallocated_effective_cost_reporting',
    'idle_effective_cost_reporting',
] %}

-- open months: the showback of the current data
open_month_rows as (
    select
        showback.billing_month,
        showback.business_unit,
        showback.cost_center,
        showback.reporting_currency,
        {% for amount in amounts -%}
        showback.{{ amount }},
        {% endfor -%}
        'current' as row_type,
        cast(null as date) as adjusted_month
    from showback
    left join closed_months
        on showback.billing_month = closed_months.billing_month
    where closed_months.billing_month is null
),

-- closed months: the showback frozen at the close
closed_month_rows as (
    select
        billing_month,
        business_unit,
        cost_center,
        reporting_currency,
        {% for amount in amounts -%}
        closed_{{ amount }} as {{ amount }},
        {% endfor -%}
        'closed' as row_type,
        cast(null as date) as adjusted_month
    from compared
    where is_in_closed_figures
),

-- what changed in a closed month since its close, booked in the next open month
adjustment_rows as (
    select
        next_open_month as billing_month,
        business_unit,
        cost_center,
        reporting_currency,
        {% for amount in amounts -%}
        adjustment_{{ amount }} as {{ amount }},
        {% endfor -%}
        'adjustment' as row_type,
        billing_month as adjusted_month
    from compared
    where next_open_month is not null and is_restated
),

unioned as (
    select * from open_month_rows
    union all
    select * from closed_month_rows
    union all
    select * from adjustment_rows
),

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

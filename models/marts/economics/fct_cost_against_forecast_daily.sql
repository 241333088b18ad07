{%- set run_rate_days = var('budget_run_rate_days') | int -%}
{%- set overrun = var('budget_daily_overrun_threshold') -%}

{#- Each business unit's day judged against its forecast. The forecast of a day's cost is the
    run rate: the average daily cost of the `budget_run_rate_days` days before it (a whole week,
    so that weekday and weekend levels average out). A day is above forecast when its cost
    (24 hours) exceeds the forecast by more than `budget_daily_overrun_threshold`. Only days with
    a full run-rate window and a positive run rate are judged. -#}

with

daily_costs as (
    select * from {{ ref('fct_cost_by_service_daily') }}
),

-- The daily series: direct cost only (shared pools are allocated per month), by the business
-- unit of the service version valid on the day.
daily_costs_by_business_unit as (
    select
        coalesce(business_unit, 'unallocated') as business_unit,
        cost_date,
        {{ fx_safe_sum('effective_cost_reporting') }} as daily_cost_reporting
    from daily_costs
    group by
        coalesce(business_unit, 'unallocated'),
        cost_date
),

daily_run_rates as (
    select
        judged_days.business_unit,
        judged_days.cost_date,
        judged_days.daily_cost_reporting,
        count(run_rate_days.cost_date) as run_rate_day_count,
        sum(run_rate_days.daily_cost_reporting) as run_rate_cost_reporting
    from daily_costs_by_business_unit as judged_days
    inner join daily_costs_by_business_unit as run_rate_days
        on
            judged_days.business_unit = run_rate_days.business_unit
            and judged_days.cost_date > run_rate_days.cost_date
            and {{ dbt.dateadd('day', -run_rate_days, 'judged_days.cost_date') }}
            <= run_rate_days.cost_date
    where
        judged_days.daily_cost_reporting is not null
        and run_rate_days.daily_cost_reporting is not null
    group by
        judged_days.business_unit,
        judged_days.cost_date,
        judged_days.daily_cost_reporting
),

judged_days as (
    select
        business_unit,
        cost_date,
        daily_cost_reporting,
        {{ decimal_divide('run_rate_cost_reporting', run_rate_days) }} as forecast_cost_reporting,
        {{ decimal_divide(
            decimal_multiply(
                decimal_subtract(
                    decimal_multiply('daily_cost_reporting', run_rate_days),
                    'run_rate_cost_reporting'
                ),
                100
            ),
            'run_rate_cost_reporting'
        ) }} as overrun_percent,
        {{ decimal_multiply('daily_cost_reporting', run_rate_days) }}
        > {{ decimal_multiply('run_rate_cost_reporting', 1 + overrun) }} as is_above_forecast
    from daily_run_rates
    where
        run_rate_day_count = {{ run_rate_days }}
        and run_rate_cost_reporting > 0
),

final as (
    select
        -- ids
        cast(business_unit as string) as business_unit,
        -- strings
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(daily_cost_reporting as decimal(38, 12)) as daily_cost_reporting,
        cast(forecast_cost_reporting as decimal(38, 12)) as forecast_cost_reporting,
        cast(overrun_percent as decimal(38, 12)) as overrun_percent,
        -- booleans
        cast(is_above_forecast as boolean) as is_above_forecast,
        -- dates
        cast(cost_date as date) as cost_date,
        cast(date_trunc('month', cost_date) as date) as billing_month
    from judged_days
)

select * from final

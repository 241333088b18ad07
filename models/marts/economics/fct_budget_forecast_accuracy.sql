{#- How good the budget forecast of fct_budget_vs_actual is: what its method
    (fct_budget_forecasts) would have forecast for each complete month,
    as of the same day of that month as today's forecast stands in its open month, against the
    month's actual.

    backtest forecast = allocated(month of X) / direct(month of X)
                        x (direct cost of the month up to X + remaining weekday-level forecast)
    APE = 100 x |forecast - actual| / |actual| (null when the actual is 0),
    MAPE of a business unit = the average APE of its backtested months.

    When X is the last day of the month before (today's as-of day is a month's last day) the
    ratio is that month's, known at X, and the backtest is exactly the forecast the method made.
    Otherwise X is in the month itself and its ratio is the complete month's (the warehouse keeps
    no allocation as of a day within a month). -#}

with

forecasts as (
    select * from {{ ref('fct_budget_forecasts') }}
    where is_backtest
),

showback as (
    select * from {{ ref('fct_showback_monthly') }}
),

actuals as (
    select
        business_unit,
        billing_month,
        {{ fx_safe_sum('effective_cost_reporting') }} as actual_effective_cost_reporting
    from showback
    group by
        business_unit,
        billing_month
),

backtests as (
    select
        forecasts.business_unit,
        forecasts.forecast_month as billing_month,
        forecasts.forecast_as_of_date,
        forecasts.remaining_day_count,
        forecasts.direct_cost_to_date_reporting,
        forecasts.remaining_direct_forecast_reporting,
        coalesce(actuals.actual_effective_cost_reporting, 0) as actual_effective_cost_reporting,
        {{ decimal_divide(
            decimal_multiply(
                'forecasts.as_of_month_allocated_cost_reporting',
                decimal_subtract(
                    'forecasts.direct_cost_to_date_reporting',
                    '-forecasts.remaining_direct_forecast_reporting'
                )
            ),
            'forecasts.as_of_month_direct_cost_reporting'
        ) }} as forecast_effective_cost_reporting
    from forecasts
    left join actuals
        on
            forecasts.business_unit = actuals.business_unit
            and forecasts.forecast_month = actuals.billing_month
),

errors as (
    select
        *,
        {{ decimal_divide(
            decimal_multiply(
                'abs(' ~ decimal_subtract(
                    'forecast_effective_cost_reporting', 'actual_effective_cost_reporting'
                ) ~ ')',
                100
            ),
            'abs(actual_effective_cost_reporting)'
        ) }} as absolute_percentage_error
    from backtests
),

final as (
    select
        -- ids
        cast(business_unit as string) as business_unit,
        -- strings
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics: money
        cast(actual_effective_cost_reporting as decimal(38, 12))
            as actual_effective_cost_reporting,
        cast(forecast_effective_cost_reporting as decimal(38, 12))
            as forecast_effective_cost_reporting,
        cast(direct_cost_to_date_reporting as decimal(38, 12)) as direct_cost_to_date_reporting,
        cast(remaining_direct_forecast_reporting as decimal(38, 12))
            as remaining_direct_forecast_reporting,
        -- numerics: percentages
        cast(absolute_percentage_error as decimal(38, 12)) as absolute_percentage_error,
        cast(
            {{ decimal_divide(
                'sum(absolute_percentage_error) over (partition by business_unit)',
                'count(absolute_percentage_error) over (partition by business_unit)'
            ) }} as decimal(38, 12)
        ) as business_unit_mape_percent,
        -- numerics: counts
        cast(remaining_day_count as integer) as forecast_day_count,
        cast(count(absolute_percentage_error) over (partition by business_unit) as integer)
            as business_unit_backtest_month_count,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(forecast_as_of_date as date) as forecast_as_of_date
    from errors
)

select * from final

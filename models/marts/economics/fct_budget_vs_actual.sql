with

showback as (
    select * from {{ ref('fct_showback_monthly') }}
),

daily_costs as (
    select * from {{ ref('fct_cost_by_service_daily') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

weekday_forecasts as (
    select * from {{ ref('fct_budget_forecasts') }}
    where not is_backtest
),

-- The forecast method's accuracy per business unit (its MAPE over the backtested months).
forecast_accuracy as (
    select
        business_unit,
        max(business_unit_mape_percent) as forecast_mape_percent,
        max(business_unit_backtest_month_count) as forecast_backtest_month_count
    from {{ ref('fct_budget_forecast_accuracy') }}
    group by business_unit
),

-- Actual: the fully allocated effective cost of the business unit (showback over its cost
-- centers; the `unallocated` bucket is a business unit of its own).
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

-- The newest day with cost data: months are forecast as of this day.
as_of as (
    select max(cost_date) as as_of_date
    from daily_costs
),

-- Months reported: those with daily cost data and those budgeted (months holding only the
-- scheduled amortization of prepaid invoices are left out).
reporting_months as (
    select distinct cost_month as billing_month
    from daily_costs
    union
    select distinct budget_month as billing_month
    from budgets
),

business_unit_month_keys as (
    select
        actuals.business_unit,
        actuals.billing_month
    from actuals
    inner join reporting_months
        on actuals.billing_month = reporting_months.billing_month
    union
    select
        business_unit,
        budget_month as billing_month
    from budgets
),

business_unit_months as (
    select
        business_unit,
        billing_month,
        cast({{ dbt.dateadd('month', 1, 'billing_month') }} as date) as next_month
    from business_unit_month_keys
),

-- Days whose cost (24 hours) exceeds the day's forecast by more than the threshold.
days_above_forecast as (
    select * from {{ ref('fct_cost_against_forecast_daily') }}
    where is_above_forecast
),

days_above_forecast_by_month as (
    select
        business_unit,
        billing_month,
        count(*) as days_above_forecast_count,
        min(cost_date) as first_day_above_forecast_date,
        max(overrun_percent) as max_daily_overrun_percent
    from days_above_forecast
    group by
        business_unit,
        billing_month
),

business_unit_months_measured as (
    select
        business_unit_months.business_unit,
        business_unit_months.billing_month,
        case
            when budgets.budget_currency = '{{ reporting_currency() }}' then budgets.budget_amount
        end as budget_reporting,
        budgets.budget_currency,
        case
            when actuals.business_unit is null then 0
            else actuals.actual_effective_cost_reporting
        end as actual_effective_cost_reporting,
        {{ dbt.datediff(
            'business_unit_months.billing_month', 'business_unit_months.next_month', 'day'
        ) }} as days_in_month,
        1 + {{ dbt.datediff(
            'business_unit_months.billing_month', 'as_of.as_of_date', 'day'
        ) }} as days_to_as_of,
        coalesce(days_above_forecast_by_month.days_above_forecast_count, 0)
            as days_above_forecast_count,
        days_above_forecast_by_month.first_day_above_forecast_date,
        days_above_forecast_by_month.max_daily_overrun_percent,
        as_of.as_of_date
    from business_unit_months
    cross join as_of
    left join budgets
        on
            business_unit_months.business_unit = budgets.business_unit
            and business_unit_months.billing_month = budgets.budget_month
    left join actuals
        on
            business_unit_months.business_unit = actuals.business_unit
            and business_unit_months.billing_month = actuals.billing_month
    left join days_above_forecast_by_month
        on
            business_unit_months.business_unit = days_above_forecast_by_month.business_unit
            and business_unit_months.billing_month = days_above_forecast_by_month.billing_month
),

-- Forecast of the month (method in forecast_method):
-- - actual: every day of the month has elapsed, the forecast is the actual;
-- - weekday_levels: actual + remaining weekday-level forecast of the direct cost (the days
--   after the as-of day, fct_budget_forecasts) x the ratio of fully
--   allocated to direct cost of the as-of day's month (its showback / its direct cost);
-- - run_rate: when the weekday levels are missing (a series younger than a week, no direct
--   cost), the month-to-date run rate: actual x days in month / days elapsed;
-- - none: no day elapsed and no weekday levels.
forecasts as (
    select
        *,
        case
            when days_to_as_of < 0 then 0
            when days_to_as_of > days_in_month then days_in_month
            else days_to_as_of
        end as days_elapsed
    from business_unit_months_measured
),

forecasts_computed as (
    select
        forecasts.*,
        case
            when forecasts.days_elapsed = forecasts.days_in_month then 'actual'
            when
                weekday_forecasts.remaining_direct_forecast_reporting is not null
                and weekday_forecasts.as_of_month_direct_cost_reporting <> 0
                then 'weekday_levels'
            when forecasts.days_elapsed > 0 then 'run_rate'
            else 'none'
        end as forecast_method,
        weekday_forecasts.remaining_direct_forecast_reporting,
        weekday_forecasts.as_of_month_direct_cost_reporting,
        weekday_forecasts.as_of_month_allocated_cost_reporting,
        forecast_accuracy.forecast_mape_percent,
        coalesce(forecast_accuracy.forecast_backtest_month_count, 0)
            as forecast_backtest_month_count
    from forecasts
    left join weekday_forecasts
        on
            forecasts.business_unit = weekday_forecasts.business_unit
            and forecasts.billing_month = weekday_forecasts.forecast_month
    left join forecast_accuracy
        on forecasts.business_unit = forecast_accuracy.business_unit
),

forecasts_valued as (
    select
        *,
        case forecast_method
            when 'actual' then actual_effective_cost_reporting
            when 'weekday_levels'
                then {{ decimal_subtract(
                    'actual_effective_cost_reporting',
                    '-' ~ decimal_divide(
                        decimal_multiply(
                            'as_of_month_allocated_cost_reporting',
                            'remaining_direct_forecast_reporting'
                        ),
                        'as_of_month_direct_cost_reporting'
                    )
                ) }}
            when 'run_rate'
                then {{ decimal_divide(
                    decimal_multiply('actual_effective_cost_reporting', 'days_in_month'),
                    'days_elapsed'
                ) }}
        end as forecast_effective_cost_reporting
    from forecasts_computed
),

final as (
    select
        -- ids
        cast(business_unit as string) as business_unit,
        -- strings
        cast(
            case
                when budget_currency is null then 'no_budget'
                when budget_reporting is null then 'budget_in_other_currency'
                when actual_effective_cost_reporting > budget_reporting then 'over_budget'
                when forecast_effective_cost_reporting > budget_reporting
                    then 'forecast_over_budget'
                when actual_effective_cost_reporting is null then 'missing_fx_rate'
                else 'within_budget'
            end as string
        ) as budget_status,
        cast(forecast_method as string) as forecast_method,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics: money
        cast(budget_reporting as decimal(38, 12)) as budget_reporting,
        cast(actual_effective_cost_reporting as decimal(38, 12))
            as actual_effective_cost_reporting,
        cast(forecast_effective_cost_reporting as decimal(38, 12))
            as forecast_effective_cost_reporting,
        {{ decimal_subtract('actual_effective_cost_reporting', 'budget_reporting') }}
            as budget_variance_reporting,
        -- numerics: percentages
        cast(
            {{ decimal_divide(
                decimal_multiply('actual_effective_cost_reporting', 100), 'budget_reporting'
            ) }} as decimal(38, 12)
        ) as budget_consumed_percent,
        cast(
            {{ decimal_divide(
                decimal_multiply(
                    decimal_subtract('forecast_effective_cost_reporting', 'budget_reporting'), 100
                ),
                'budget_reporting'
            ) }} as decimal(38, 12)
        ) as forecast_variance_percent,
        cast(max_daily_overrun_percent as decimal(38, 12)) as max_daily_overrun_percent,
        cast(forecast_mape_percent as decimal(38, 12)) as forecast_mape_percent,
        -- numerics: counts
        cast(days_in_month as integer) as days_in_month,
        cast(days_elapsed as integer) as days_elapsed,
        cast(days_above_forecast_count as integer) as days_above_forecast_count,
        cast(forecast_backtest_month_count as integer) as forecast_backtest_month_count,
        -- booleans
        coalesce(forecast_effective_cost_reporting > budget_reporting, false)
            as is_forecast_over_budget,
        days_above_forecast_count > 0 as is_daily_cost_above_forecast,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(as_of_date as date) as as_of_date,
        cast(first_day_above_forecast_date as date) as first_day_above_forecast_date
    from forecasts_valued
)

select * from final

{%- set window_days = 7 * (var('budget_forecast_weeks') | int) -%}

{#- The budget forecast method: the weekday-level forecast of a business unit's daily direct
    cost, made as of a day X:

    1. The series: the unit's direct cost per calendar day (fct_cost_by_service_daily by the
       business unit of each service's version that day), from its first cost day to the as-of
       day of the warehouse (the newest day with cost data), 0 on a day without cost rows.
    2. Level of a future day d as of X: the average cost of the days of the series in the
       window of `budget_forecast_weeks` whole weeks ending on X ([X - 7 w + 1, X]) that fall
       on d's weekday (a whole number of weeks before d). Null when the window holds no day of
       d's weekday (a series younger than a week).
    3. Remaining forecast of a month as of X = the sum of the levels of its days after X; null
       when one of them has no level or a summed day has no FX rate.

    Forecasts are made as of two kinds of day (is_backtest):
    - the forecast of today: X = the as-of day, for every month with days after it up to the
      later of the open month (the month of the day after the as-of day) and the last budgeted
      month;
    - backtests: for every complete month m of the series (its last day on or before the as-of
      day), X = day e of m, e = the open month's days elapsed at the as-of day (0 when the
      as-of day is a month's last day: then X is the last day of the month before m and the
      whole of m is forecast), at most m's days - 1; only when the series covers the whole
      window before X.

    Beside each forecast: the direct cost of the month up to X, and the fully allocated
    (fct_showback_monthly) and direct cost of the month of X up to the as-of day, whose ratio
    turns a direct forecast into a fully allocated one (fct_budget_vs_actual,
    fct_budget_forecast_accuracy). -#}

with

daily_costs as (
    select * from {{ ref('fct_cost_by_service_daily') }}
),

showback as (
    select * from {{ ref('fct_showback_monthly') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

calendar as (
    select date_day from {{ ref('util_time_spine_daily') }}
),

business_unit_days as (
    select
        coalesce(business_unit, 'unallocated') as business_unit,
        cost_date,
        {{ fx_safe_sum('effective_cost_reporting') }} as direct_cost_reporting
    from daily_costs
    group by
        coalesce(business_unit, 'unallocated'),
        cost_date
),

as_of as (
    select
        as_of_date,
        -- days of the open month (the month of the day after the as-of day) elapsed
        {{ dbt.datediff(
            "cast(date_trunc('month', " ~ dbt.dateadd('day', 1, 'as_of_date') ~ ") as date)",
            'as_of_date',
            'day'
        ) }} + 1 as open_month_days_elapsed
    from (
        select max(cost_date) as as_of_date
        from daily_costs
    ) as newest_day
),

-- The last month forecast today: the open month, or the last budgeted month when later.
open_months as (
    select
        cast(
            date_trunc('month', {{ dbt.dateadd('day', 1, 'as_of_date') }}) as date
        ) as open_month
    from as_of
),

horizon as (
    select
        case
            when max(budgets.budget_month) > max(open_months.open_month)
                then max(budgets.budget_month)
            else max(open_months.open_month)
        end as last_forecast_month
    from open_months
    left join budgets on 1 = 1
),

series_starts as (
    select
        business_unit,
        min(cost_date) as first_cost_date
    from business_unit_days
    group by business_unit
),

-- 1. The series on every calendar day from its first cost day to the as-of day.
business_unit_series as (
    select
        series_starts.business_unit,
        calendar.date_day as cost_date,
        cast(date_trunc('month', calendar.date_day) as date) as cost_month,
        case
            when business_unit_days.cost_date is null then 0
            else business_unit_days.direct_cost_reporting
        end as direct_cost_reporting
    from series_starts
    cross join as_of
    inner join calendar
        on
            series_starts.first_cost_date <= calendar.date_day
            and as_of.as_of_date >= calendar.date_day
    left join business_unit_days
        on
            series_starts.business_unit = business_unit_days.business_unit
            and calendar.date_day = business_unit_days.cost_date
),

-- Direct cost of each month of the series up to the as-of day, and its fully allocated cost.
series_months as (
    select
        business_unit,
        cost_month,
        {{ dbt.datediff('cost_month', dbt.dateadd('month', 1, 'cost_month'), 'day') }}
            as days_in_month,
        {{ fx_safe_sum('direct_cost_reporting') }} as direct_cost_reporting
    from business_unit_series
    group by
        business_unit,
        cost_month
),

allocated_months as (
    select
        business_unit,
        billing_month,
        {{ fx_safe_sum('effective_cost_reporting') }} as allocated_cost_reporting
    from showback
    group by
        business_unit,
        billing_month
),

months_measured as (
    select
        series_months.business_unit,
        series_months.cost_month,
        series_months.days_in_month,
        series_months.direct_cost_reporting,
        coalesce(allocated_months.allocated_cost_reporting, 0) as allocated_cost_reporting
    from series_months
    left join allocated_months
        on
            series_months.business_unit = allocated_months.business_unit
            and series_months.cost_month = allocated_months.billing_month
),

-- The forecast of today.
current_points as (
    select
        series_starts.business_unit,
        as_of.as_of_date as forecast_as_of_date,
        horizon.last_forecast_month,
        false as is_backtest
    from series_starts
    cross join as_of
    cross join horizon
),

-- Backtests: each complete month with a full window before its as-of day.
backtest_points as (
    select
        business_unit,
        forecast_as_of_date,
        last_forecast_month,
        true as is_backtest
    from (
        select
            months_measured.business_unit,
            series_starts.first_cost_date,
            months_measured.cost_month as last_forecast_month,
            cast({{ dbt.dateadd(
                'day',
                'case when as_of.open_month_days_elapsed < months_measured.days_in_month - 1'
                ~ ' then as_of.open_month_days_elapsed'
                ~ ' else months_measured.days_in_month - 1 end - 1',
                'months_measured.cost_month'
            ) }} as date) as forecast_as_of_date
        from months_measured
        cross join as_of
        inner join series_starts
            on months_measured.business_unit = series_starts.business_unit
        where
            {{ dbt.dateadd('month', 1, 'months_measured.cost_month') }}
            <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
    ) as complete_months
    where {{ dbt.dateadd('day', 1 - window_days, 'forecast_as_of_date') }} >= first_cost_date
),

forecast_points as (
    select * from current_points
    union all
    select * from backtest_points
),

-- The days forecast: after the as-of day, up to the end of the last month forecast.
forecast_days as (
    select
        forecast_points.business_unit,
        forecast_points.forecast_as_of_date,
        forecast_points.is_backtest,
        calendar.date_day as forecast_date,
        cast(date_trunc('month', calendar.date_day) as date) as forecast_month
    from forecast_points
    inner join calendar
        on
            forecast_points.forecast_as_of_date < calendar.date_day
            and {{ dbt.dateadd('month', 1, 'forecast_points.last_forecast_month') }}
            > calendar.date_day
),

-- 2. Each forecast day's level: its weekday's average over the window.
weekday_levels as (
    select
        forecast_days.business_unit,
        forecast_days.forecast_as_of_date,
        forecast_days.forecast_date,
        {{ decimal_divide(
            fx_safe_sum('business_unit_series.direct_cost_reporting'),
            'count(*)'
        ) }} as level_cost_reporting
    from forecast_days
    inner join business_unit_series
        on
            forecast_days.business_unit = business_unit_series.business_unit
            and forecast_days.forecast_as_of_date >= business_unit_series.cost_date
            and {{ dbt.dateadd('day', 1 - window_days, 'forecast_days.forecast_as_of_date') }}
            <= business_unit_series.cost_date
            and (
                {{ dbt.datediff(
                    'business_unit_series.cost_date', 'forecast_days.forecast_date', 'day'
                ) }}
            ) % 7 = 0
    group by
        forecast_days.business_unit,
        forecast_days.forecast_as_of_date,
        forecast_days.forecast_date
),

-- 3. The month's remaining forecast: null when a day has no level.
remaining_forecasts as (
    select
        forecast_days.business_unit,
        forecast_days.forecast_as_of_date,
        forecast_days.is_backtest,
        forecast_days.forecast_month,
        count(*) as remaining_day_count,
        {{ fx_safe_sum(
            'weekday_levels.level_cost_reporting', known='weekday_levels.level_cost_reporting'
        ) }} as remaining_direct_forecast_reporting
    from forecast_days
    left join weekday_levels
        on
            forecast_days.business_unit = weekday_levels.business_unit
            and forecast_days.forecast_as_of_date = weekday_levels.forecast_as_of_date
            and forecast_days.forecast_date = weekday_levels.forecast_date
    group by
        forecast_days.business_unit,
        forecast_days.forecast_as_of_date,
        forecast_days.is_backtest,
        forecast_days.forecast_month
),

-- The direct cost of the forecast month up to the as-of day X.
direct_costs_to_date as (
    select
        remaining_forecasts.business_unit,
        remaining_forecasts.forecast_as_of_date,
        remaining_forecasts.forecast_month,
        {{ fx_safe_sum('business_unit_series.direct_cost_reporting') }}
            as direct_cost_to_date_reporting
    from remaining_forecasts
    inner join business_unit_series
        on
            remaining_forecasts.business_unit = business_unit_series.business_unit
            and remaining_forecasts.forecast_month = business_unit_series.cost_month
            and remaining_forecasts.forecast_as_of_date >= business_unit_series.cost_date
    group by
        remaining_forecasts.business_unit,
        remaining_forecasts.forecast_as_of_date,
        remaining_forecasts.forecast_month
),

final as (
    select
        -- ids
        cast(remaining_forecasts.business_unit as string) as business_unit,
        -- strings
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(remaining_forecasts.remaining_direct_forecast_reporting as decimal(38, 12))
            as remaining_direct_forecast_reporting,
        cast(coalesce(direct_costs_to_date.direct_cost_to_date_reporting, 0) as decimal(38, 12))
            as direct_cost_to_date_reporting,
        cast(as_of_months.direct_cost_reporting as decimal(38, 12))
            as as_of_month_direct_cost_reporting,
        cast(as_of_months.allocated_cost_reporting as decimal(38, 12))
            as as_of_month_allocated_cost_reporting,
        cast(remaining_forecasts.remaining_day_count as integer) as remaining_day_count,
        -- booleans
        remaining_forecasts.is_backtest,
        -- dates
        cast(remaining_forecasts.forecast_month as date) as forecast_month,
        cast(remaining_forecasts.forecast_as_of_date as date) as forecast_as_of_date
    from remaining_forecasts
    left join direct_costs_to_date
        on
            remaining_forecasts.business_unit = direct_costs_to_date.business_unit
            and remaining_forecasts.forecast_as_of_date = direct_costs_to_date.forecast_as_of_date
            and remaining_forecasts.forecast_month = direct_costs_to_date.forecast_month
    left join months_measured as as_of_months
        on
            remaining_forecasts.business_unit = as_of_months.business_unit
            and cast(date_trunc('month', remaining_forecasts.forecast_as_of_date) as date)
            = as_of_months.cost_month
)

select * from final

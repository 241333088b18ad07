{%- set baseline_days = var('anomaly_baseline_days') | int -%}
{%- set min_baseline_days = var('anomaly_min_baseline_days') | int -%}
{%- set z_threshold = var('anomaly_robust_z_threshold') -%}
{%- set mad_floor = var('anomaly_mad_floor') -%}

{#- Daily cost anomalies per service: a robust z-score of the day's cost against its trailing
    baseline, with the weekly pattern taken out.

    1. Weekday baseline: s(d) = median cost of the same weekday in the `baseline_days` days
       before d (default 28: up to four earlier same weekdays; at least two are required).
    2. Seasonal ratio: r(d) = cost(d) / s(d) (1 = a typical day for that weekday).
    3. Robust z-score against the ratios of the `baseline_days` days before d (each computed
       out of sample, the same way):
         m = median r(j), MAD = median |r(j) - m|,
         z = 0.6745 * (r(d) - m) / max(MAD, anomaly_mad_floor),
         expected cost of d = s(d) * m.
    d is flagged when |z| >= anomaly_robust_z_threshold (3.5, Iglewicz and Hoaglin): a spike
    above, a drop below. It is scored only with at least anomaly_min_baseline_days earlier
    ratios. The MAD floor keeps a perfectly regular baseline (MAD 0) from dividing by 0: it is
    a share of the weekday's typical cost (0.01 = 1%). -#}

with

daily_costs as (
    select
        service_id,
        business_unit,
        effective_cost_reporting,
        cost_date
    from {{ ref('fct_cost_by_service_daily') }}
    where effective_cost_reporting is not null
),

-- 1. Each day with the same weekday in the baseline window before it.
same_weekday_pairs as (
    {{ trailing_window_pairs(
        'daily_costs',
        'service_id',
        'cost_date',
        'effective_cost_reporting',
        baseline_days,
        same_weekday=true,
    ) }}
),

weekday_medians as (
    {{ exact_median('same_weekday_pairs', ['service_id', 'cost_date'], 'baseline_value') }}
),

-- 2. The day's cost relative to its weekday's baseline.
seasonal_ratios as (
    select
        daily_costs.service_id,
        daily_costs.business_unit,
        daily_costs.effective_cost_reporting,
        weekday_medians.median_value as weekday_median_cost_reporting,
        {{ decimal_divide(
            'daily_costs.effective_cost_reporting', 'weekday_medians.median_value'
        ) }} as seasonal_ratio,
        daily_costs.cost_date
    from daily_costs
    inner join weekday_medians
        on
            daily_costs.service_id = weekday_medians.service_id
            and daily_costs.cost_date = weekday_medians.cost_date
    where
        weekday_medians.value_count >= 2
        and weekday_medians.median_value > 0
),

-- 3. Each day with the seasonal ratios of the baseline window before it.
ratio_pairs as (
    {{ trailing_window_pairs(
        'seasonal_ratios', 'service_id', 'cost_date', 'seasonal_ratio', baseline_days
    ) }}
),

ratio_levels as (
    {{ exact_median('ratio_pairs', ['service_id', 'cost_date'], 'baseline_value') }}
),

ratio_deviations as (
    select
        ratio_pairs.service_id,
        ratio_pairs.cost_date,
        abs({{ decimal_subtract('ratio_pairs.baseline_value', 'ratio_levels.median_value') }})
            as absolute_deviation
    from ratio_pairs
    inner join ratio_levels
        on
            ratio_pairs.service_id = ratio_levels.service_id
            and ratio_pairs.cost_date = ratio_levels.cost_date
),

ratio_spreads as (
    {{ exact_median('ratio_deviations', ['service_id', 'cost_date'], 'absolute_deviation') }}
),

scored_days as (
    select
        seasonal_ratios.service_id,
        seasonal_ratios.business_unit,
        seasonal_ratios.effective_cost_reporting,
        seasonal_ratios.weekday_median_cost_reporting,
        ratio_levels.median_value as baseline_level_ratio,
        ratio_spreads.median_value as baseline_mad_ratio,
        ratio_levels.value_count as baseline_day_count,
        {{ decimal_multiply(
            'seasonal_ratios.weekday_median_cost_reporting', 'ratio_levels.median_value'
        ) }} as expected_cost_reporting,
        {{ decimal_divide(
            decimal_multiply(
                '0.6745',
                decimal_subtract('seasonal_ratios.seasonal_ratio', 'ratio_levels.median_value')
            ),
            'case when ratio_spreads.median_value > ' ~ mad_floor
            ~ ' then ratio_spreads.median_value else ' ~ mad_floor ~ ' end',
            6
        ) }} as robust_z_score,
        seasonal_ratios.cost_date
    from seasonal_ratios
    inner join ratio_levels
        on
            seasonal_ratios.service_id = ratio_levels.service_id
            and seasonal_ratios.cost_date = ratio_levels.cost_date
    inner join ratio_spreads
        on
            seasonal_ratios.service_id = ratio_spreads.service_id
            and seasonal_ratios.cost_date = ratio_spreads.cost_date
    where ratio_levels.value_count >= {{ min_baseline_days }}
),

anomalies as (
    select * from scored_days
    where abs(robust_z_score) >= {{ z_threshold }}
),

final as (
    select
        -- ids
        cast(service_id as string) as service_id,
        -- strings
        cast(business_unit as string) as business_unit,
        cast(case when robust_z_score > 0 then 'spike' else 'drop' end as string)
            as anomaly_direction,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(expected_cost_reporting as decimal(38, 12)) as expected_cost_reporting,
        {{ decimal_subtract('effective_cost_reporting', 'expected_cost_reporting') }}
            as excess_cost_reporting,
        cast(
            {{ decimal_divide('effective_cost_reporting', 'expected_cost_reporting', 6) }}
            as decimal(38, 6)
        ) as cost_ratio,
        cast(robust_z_score as decimal(38, 6)) as robust_z_score,
        cast(weekday_median_cost_reporting as decimal(38, 12)) as weekday_median_cost_reporting,
        cast(baseline_level_ratio as decimal(38, 12)) as baseline_level_ratio,
        cast(baseline_mad_ratio as decimal(38, 12)) as baseline_mad_ratio,
        cast(baseline_day_count as integer) as baseline_day_count,
        -- dates
        cast(cost_date as date) as cost_date,
        cast(date_trunc('month', cost_date) as date) as cost_month
    from anomalies
)

select * from final

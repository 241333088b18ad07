{#- One row per day from 2020-01-01 (the service catalog's first validity) to 2030-12-31:
    MetricFlow's time spine (its metric_time joins here) and a calendar for gap-filling. -#}

with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('2020-01-01' as date)",
        "cast('2031-01-01' as date)"
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final

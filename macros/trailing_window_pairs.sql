{#- trailing_window_pairs(relation, key_column, date_column, value_column, window_days,
    same_weekday=false): each row of `relation` (a scored day) with the rows of the same key in
    the `window_days` days before it (date in [date - window_days, date)), only those of the
    same weekday with same_weekday. A select of key_column, date_column (the scored day's) and
    baseline_value (value_column of the earlier day). -#}
{% macro trailing_window_pairs(
    relation, key_column, date_column, value_column, window_days, same_weekday=false
) -%}
    select
        scored_days.{{ key_column }},
        scored_days.{{ date_column }},
        baseline_days.{{ value_column }} as baseline_value
    from {{ relation }} as scored_days
    inner join {{ relation }} as baseline_days
        on
            scored_days.{{ key_column }} = baseline_days.{{ key_column }}
            and scored_days.{{ date_column }} > baseline_days.{{ date_column }}
            and {{ dbt.dateadd('day', -window_days, 'scored_days.' ~ date_column) }}
            <= baseline_days.{{ date_column }}
            {%- if same_weekday %}
            and (
                {{ dbt.datediff(
                    'baseline_days.' ~ date_column, 'scored_days.' ~ date_column, 'day'
                ) }}
            ) % 7 = 0
            {%- endif %}
{%- endmacro %}

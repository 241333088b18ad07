{#- Generic test: none of the columns holds a null. One scan of the model counts the nulls of
    every column (a `not_null` test per column scans it once each, and is a dbt node, a Dagster
    check and a query of its own). Fails with one row per column that holds nulls: its name and
    how many rows. -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as null_rows_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{% if not loop.last %}
union all

{% endif -%}
{%- endfor %}

{% endtest %}

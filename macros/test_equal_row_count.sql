{#- Generic test: the model has as many rows as `compare_model` (optionally filtered by
    `compare_where`). Fails with one row giving both counts. -#}
{% test equal_row_count(model, compare_model, compare_where=none) %}

with

model_rows as (
    select count(*) as row_count from {{ model }}
),

compare_rows as (
    select count(*) as row_count
    from {{ months_tested_in(model, compare_model) }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where model_rows.row_count <> compare_rows.row_count

{% endtest %}

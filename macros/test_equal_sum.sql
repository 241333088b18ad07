{#- Generic test (conservation): per group of `group_by` columns, sum(`column_name`) over the model
    equals sum(`compare_expression`) over `compare_model` (same group column names there, or
    `compare_group_by`). A group present on one side only compares with 0. Fails with one row per
    group that differs by more than `tolerance` (default 0: exact decimals), with both sums.
    `compare_where` filters the compared rows (the model's rows: the `where` config). -#}
{% test equal_sum(
    model,
    column_name,
    compare_model,
    compare_expression,
    group_by,
    compare_group_by=none,
    compare_where=none,
    tolerance=0
) %}

{%- set compare_group_by = compare_group_by or group_by -%}

with

model_sums as (
    select
        {% for column in group_by -%}
        {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        sum({{ column_name }}) as model_sum
    from {{ model }}
    group by
        {% for column in group_by -%}
        {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
),

compare_sums as (
    select
        {% for column in compare_group_by -%}
        {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        sum({{ compare_expression }}) as compare_sum
    from {{ months_tested_in(model, compare_model) }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
    group by
        {% for column in compare_group_by -%}
        {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
),

sums_compared as (
    select
        {% for column in group_by -%}
        coalesce(model_sums.group_{{ loop.index }}, compare_sums.group_{{ loop.index }})
            as {{ column }},
        {% endfor -%}
        coalesce(model_sums.model_sum, 0) as model_sum,
        coalesce(compare_sums.compare_sum, 0) as compare_sum
    from model_sums
    full outer join compare_sums
        on
        {% for column in group_by -%}
            {{ 'and ' if not loop.first }}model_sums.group_{{ loop.index }}
            is not distinct from compare_sums.group_{{ loop.index }}
        {% endfor %}
)

select *
from sums_compared
where abs(model_sum - compare_sum) > {{ tolerance }}

{% endtest %}

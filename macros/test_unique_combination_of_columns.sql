{#- Generic test: the combination of columns is unique (the model's grain). Fails with one row per
    duplicated combination and how many times it occurs. Null values count as a value. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as row_count
from {{ model }}
group by
    {{ combination_of_columns | join(',\n    ') }}
having count(*) > 1

{% endtest %}

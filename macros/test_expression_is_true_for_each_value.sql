{#- Generic test: `expression`, over `column_name` alone, is true for every row. It is evaluated
    once per distinct value rather than once per row (a costly expression over a column of few
    distinct values, e.g. a JSON parse of the Tags texts); the rows holding a value for which it
    is false or null fail. Restrict the rows with the `where` config. -#}
{% test expression_is_true_for_each_value(model, column_name, expression) %}

with

failing_values as (
    select distinct_values.{{ column_name }}
    from (select distinct {{ column_name }} from {{ model }}) as distinct_values
    where not coalesce({{ expression }}, false)
)

select *
from {{ model }}
where {{ column_name }} in (select failing_values.{{ column_name }} from failing_values)

{% endtest %}

{#- Generic test: every row satisfies `expression` (a boolean SQL expression over the model's
    columns). Rows where it is false or null fail. Restrict the rows with the `where` config. -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}

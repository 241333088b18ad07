{#- Generic test: every non-null value of the column is a `field` of `to` in the same billing
    month (both relations have billing_month), like dbt's `relationships` with the month in the
    key. On a month-incremental model in an incremental build the parent side is read for the
    rebuilt months only (months_tested_in), not the whole history. Fails with each child row
    without a parent. -#}
{% test relationships_in_same_month(model, column_name, to, field) %}

with

parents as (
    select
        {{ field }} as parent_key,
        billing_month
    from {{ months_tested_in(model, to) }}
),

children as (
    select
        {{ column_name }} as child_key,
        billing_month
    from {{ model }}
    where {{ column_name }} is not null
)

select
    children.child_key,
    children.billing_month
from children
left join parents
    on
        children.child_key = parents.parent_key
        and children.billing_month = parents.billing_month
where parents.parent_key is null

{% endtest %}

{#- string_agg_sorted(expression, delimiter): the non-null values of a group joined with the
    delimiter (a SQL string literal) in ascending order; null when the group has none.

    dbt.listagg is not enough: on Spark it ignores the order (collect_list order is the order
    the rows arrive in) and returns '' instead of null for a group without values. -#}
{% macro string_agg_sorted(expression, delimiter) -%}
    {{ return(adapter.dispatch('string_agg_sorted', 'tbm_warehouse')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__string_agg_sorted(expression, delimiter) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ expression }})
{%- endmacro %}

{% macro spark__string_agg_sorted(expression, delimiter) -%}
    case
        when count({{ expression }}) > 0
            then array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
    end
{%- endmacro %}

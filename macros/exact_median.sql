{#- exact_median(relation, group_by, value_column): a select of one row per group of `group_by`
    (a list of column names of `relation`) with `median_value`, the exact median of
    `value_column` over the group's non-null values as decimal(38, 12), and `value_count`, how
    many values it was taken over. Groups without a non-null value give no row.

    Portable and exact on decimals (no percentile function: DuckDB's median of a decimal and
    Spark's percentile go through DOUBLE): the values are ranked within their group, the middle
    one (odd count) or the two middle ones (even count) are kept, and their sum times 1 or 0.5
    is the median (decimal_multiply: exact on Spark too). A rank r of n values is a middle rank
    when n <= 2r <= n + 2. -#}
{% macro exact_median(relation, group_by, value_column) -%}
    {%- set group_list = group_by | join(', ') -%}
    select
        {% for column in group_by -%}
        {{ column }},
        {% endfor -%}
        {{ tbm_warehouse.decimal_multiply(
            'sum(' ~ value_column ~ ')',
            'case when max(value_count) % 2 = 1 then 1.0 else 0.5 end'
        ) }} as median_value,
        max(value_count) as value_count
    from (
        select
            {% for column in group_by -%}
            {{ column }},
            {% endfor -%}
            {{ value_column }},
            row_number() over (
                partition by {{ group_list }} order by {{ value_column }}
            ) as value_rank,
            count(*) over (partition by {{ group_list }}) as value_count
        from {{ relation }}
        where {{ value_column }} is not null
    ) as ranked_values
    where value_rank * 2 between value_count and value_count + 2
    group by {{ group_list }}
{%- endmacro %}

{#- tag_value_key(value): the harmonized form of a tag value, the one every comparison and
    grouping uses: runs of whitespace collapsed to one space, trimmed, lower-cased
    (` Check  Out` -> `check out`). Dispatched for the regular expression's flags: DuckDB
    replaces the first match unless told `g`; Spark replaces every match and reads backslashes
    in string literals as escapes. -#}
{% macro tag_value_key(value) -%}
    {{ return(adapter.dispatch('tag_value_key', 'tbm_warehouse')(value)) }}
{%- endmacro %}

{% macro default__tag_value_key(value) -%}
    lower(trim(regexp_replace({{ value }}, '\s+', ' ', 'g')))
{%- endmacro %}

{% macro spark__tag_value_key(value) -%}
    lower(trim(regexp_replace({{ value }}, '\\s+', ' ')))
{%- endmacro %}

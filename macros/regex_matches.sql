{#- regex_matches(value, pattern): true when the regular expression `pattern` matches anywhere in
    `value` (null when either is null). Dispatched: `default__` (DuckDB, RE2) regexp_matches;
    `spark__` rlike (Java regex). The patterns of the project's seeds keep to the syntax both
    read alike: classes, `\b`, `\s`, `{m,n}`, `(?i)`. -#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'tbm_warehouse')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(value, pattern) -%}
    ({{ value }} rlike {{ pattern }})
{%- endmacro %}

{#- decimal_text(amount, scale=12): a decimal as text without its trailing zeros
    ('12.340000000000' -> '12.34', '100.000000000000' -> '100', 0 -> '0'), the same on every
    engine; null stays null. `scale`: the decimals of the amount's type. Dispatched: DuckDB casts
    a decimal to plain text; Spark casts a small one to scientific notation (`0E-12`), so it is
    formatted with Java's `%.<scale>f`, which is exact for a decimal. -#}
{% macro decimal_text(amount, scale=12) -%}
    {{ return(adapter.dispatch('decimal_text', 'tbm_warehouse')(amount, scale)) }}
{%- endmacro %}

{% macro default__decimal_text(amount, scale) -%}
    regexp_replace(cast({{ amount }} as string), '[.]?0+$', '')
{%- endmacro %}

{% macro spark__decimal_text(amount, scale) -%}
    regexp_replace(format_string('%.{{ scale }}f', {{ amount }}), '[.]?0+$', '')
{%- endmacro %}

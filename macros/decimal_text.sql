{#- decimal_text(amount): a decimal(38, 12) as text without its trailing zeros ('12.340000000000'
    -> '12.34', '100.000000000000' -> '100'), the same on every engine; null stays null. -#}
{% macro decimal_text(amount) -%}
    regexp_replace(cast({{ amount }} as string), '[.]?0+$', '')
{%- endmacro %}

{#- decimal_text(amount, scale=12): a decimal as text without its trailing zeros
    ('12.340000000000' -> '12.34', '100.000000000000' -> '100', 0 -> '0'), the same on every
    engine; null stays null. `scale`: the decimals of the amount's type (unused on DuckDB).
    Dispatched: Spark casts a zero to `0E-12`, so a zero is written `0` there (an amount below
    10^-6 still comes out in scientific notation on Spark). -#}
{% macro decimal_text(amount, scale=12) -%}
    {{ return(adapter.dispatch('decimal_text', 'tbm_warehouse')(amount, scale)) }}
{%- endmacro %}

{% macro default__decimal_text(amount, scale) -%}
    regexp_replace(cast({{ amount }} as string), '[.]?0+$', '')
{%- endmacro %}

{% macro spark__decimal_text(amount, scale) -%}
    case
        when {{ amount }} = 0 then '0'
        else regexp_replace(cast({{ amount }} as string), '[.]?0+$', '')
    end
{%- endmacro %}

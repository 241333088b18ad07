{#- fx_rate_columns(billing_currency, rate_day, rates): the select items fx_rate_source, fx_rate
    and fx_rate_date of an amount converted to the reporting currency. An amount already in the
    reporting currency converts at rate 1 ('identity', dated the day of the amount); any other at
    the rate looked up for it (the columns fx_rate_source, fx_rate and fx_rate_date of the
    joined `rates`, null when no rate was found: never a silent 1.0). -#}
{% macro fx_rate_columns(billing_currency, rate_day, rates) -%}
    {%- set is_identity = billing_currency ~ " = '" ~ tbm_warehouse.reporting_currency() ~ "'" -%}
    case
        when {{ is_identity }} then 'identity'
        else {{ rates }}.fx_rate_source
    end as fx_rate_source,
    case
        when {{ is_identity }} then cast(1 as decimal(38, 12))
        else {{ rates }}.fx_rate
    end as fx_rate,
    case
        when {{ is_identity }} then {{ rate_day }}
        else {{ rates }}.fx_rate_date
    end as fx_rate_date
{%- endmacro %}

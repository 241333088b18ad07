{#- The ISO 4217 code every amount is converted to: var('reporting_currency') (dbt_project.yml,
    from TBM_REPORTING_CURRENCY), upper-cased. Returns the bare code, to be quoted by the caller:
    `'{{ reporting_currency() }}'`. -#}
{% macro reporting_currency() -%}
    {{ return(var('reporting_currency') | upper) }}
{%- endmacro %}

{#- A reporting-currency sum that is never partial: null when any summed row lacks an FX rate
    (its converted amount is null), else the sum. The currency gate reports the month instead.
    How a missing rate is seen depends on the rows summed:
    - default: a row whose `known` expression (default: the amount itself) is null;
    - missing_count: a column counting the rows without a rate (of pre-aggregated rows), summed;
    - missing_flag: a boolean column true on a row without a rate.
    Arguments are SQL expressions (our own column names), not user input. -#}
{% macro fx_safe_sum(amount, known=none, missing_count=none, missing_flag=none) -%}
    {%- if missing_count is not none -%}
        case when sum({{ missing_count }}) = 0 then sum({{ amount }}) end
    {%- elif missing_flag is not none -%}
        case when max(case when {{ missing_flag }} then 1 else 0 end) = 0 then sum({{ amount }}) end
    {%- else -%}
        {%- set known_expression = known if known is not none else amount -%}
        case when count(*) = count({{ known_expression }}) then sum({{ amount }}) end
    {%- endif -%}
{%- endmacro %}

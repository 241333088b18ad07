{#- Macros of the FOCUS export mart (models/marts/focus).

    focus_unit_format(column): a unit in the FOCUS unit format (FOCUS 1.2 appendix "Unit
    Format"), rewrites applied in this order: `1K Tokens` -> `1000 Tokens`, `1M X` ->
    `1000000 X`, `GB-Mo` -> `GB-Months`, `-Hr`/`-Hrs` -> `-Hours`, `RU/s Hours` ->
    `RU Per Second Hours`, `1/Month` -> `Units/Month`. Null stays null. Dispatched for the group
    reference of the replacement: `\1` (DuckDB, RE2) or `$1` (Spark, Java regex).

    utc_timestamp(column): a UTC timestamp as the engine's instant type. DuckDB: `timestamp with
    time zone` (its `timestamp` has no zone); Spark's `timestamp` already is an instant (the
    session time zone is UTC), so it stays as it is. -#}

{% macro focus_unit_format(column) -%}
    {%- set rewrites = [
        ('^([0-9]+)K ', '{1}000 '),
        ('^([0-9]+)M ', '{1}000000 '),
        ('-Mo$', '-Months'),
        ('-Hrs?$', '-Hours'),
        ('/s ', ' Per Second '),
        ('^1/(Year|Month|Day|Hour|Minute|Second)$', 'Units/{1}'),
    ] -%}
    {%- set group_one = regex_group_reference(1) -%}
    {%- set expression = namespace(sql=column) -%}
    {%- for pattern, replacement in rewrites -%}
        {%- set expression.sql = "regexp_replace(" ~ expression.sql ~ ", '" ~ pattern ~ "', '"
            ~ replacement | replace('{1}', group_one) ~ "')" -%}
    {%- endfor -%}
    {{ expression.sql }}
{%- endmacro %}

{% macro default__regex_group_reference(number) -%}
    {{ return('\\' ~ number) }}
{%- endmacro %}

{% macro spark__regex_group_reference(number) -%}
    {{ return('$' ~ number) }}
{%- endmacro %}

{% macro utc_timestamp(column) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'tbm_warehouse')(column)) }}
{%- endmacro %}

{% macro default__utc_timestamp(column) -%}
    {{ column }}
{%- endmacro %}

{% macro duckdb__utc_timestamp(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}

{% macro regex_group_reference(number) -%}
    {{ return(adapter.dispatch('regex_group_reference', 'tbm_warehouse')(number)) }}
{%- endmacro %}

{#- matches_focus_unit_format(column): true when the unit reads as the FOCUS unit format as the
    FinOps validator checks it (rule PricingUnit-C-003-O and its twins): a unit of words
    (`GB`, `Hours`, `OCPU Hours`), `<unit>-<plural time unit>` (`GB-Months`),
    `<unit>/<time unit>` (`GB/Hour`), `<quantity> <unit>` (`1000 Requests`) or
    `<unit>/<quantity> <plural time unit>` (`Requests/3 Months`). Null when the unit is null. -#}
{% macro matches_focus_unit_format(column) -%}
    {%- set unit = "[A-Za-z][A-Za-z0-9]*( +[A-Za-z][A-Za-z0-9]*)*" -%}
    {%- set times = "(Years|Months|Days|Hours|Minutes|Seconds)" -%}
    {%- set time = "(Year|Month|Day|Hour|Minute|Second)" -%}
    {%- set pattern = "^(" ~ unit ~ "|" ~ unit ~ "-" ~ times ~ "|" ~ unit ~ "/" ~ time
        ~ "|[0-9]+ " ~ unit ~ "|" ~ unit ~ "/[0-9]+ " ~ times ~ ")$" -%}
    {{ regex_matches(column, "'" ~ pattern ~ "'") }}
{%- endmacro %}

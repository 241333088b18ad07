{#- Effective-dated rows (the service catalog, mapping rules, pool rules, fixed shares, SLO
    targets): a row is in force from valid_from (inclusive) to valid_to (exclusive; null = still
    in force). Both macros return a boolean SQL condition on the columns valid_from / valid_to of
    `versions` (a table alias). -#}

{#- is_valid_on(versions, day): the row is in force on `day`. -#}
{% macro is_valid_on(versions, day) -%}
    {{ day }} >= {{ versions }}.valid_from
    and ({{ versions }}.valid_to is null or {{ day }} < {{ versions }}.valid_to)
{%- endmacro %}

{#- is_valid_during(versions, period_from, period_to): the row is in force on some day of the
    period [period_from, period_to) (the two intervals overlap). -#}
{% macro is_valid_during(versions, period_from, period_to) -%}
    {{ period_to }} > {{ versions }}.valid_from
    and ({{ versions }}.valid_to is null or {{ period_from }} < {{ versions }}.valid_to)
{%- endmacro %}

{#- clipped_valid_from(versions, period_from) / clipped_valid_to(versions, period_to): the days
    of the period [period_from, period_to) on which the row `versions` is in force are
    [clipped_valid_from, clipped_valid_to): the later of valid_from and period_from, the earlier
    of valid_to (null = still in force) and period_to. Meaningful where is_valid_during holds. -#}
{% macro clipped_valid_from(versions, period_from) -%}
    case
        when {{ versions }}.valid_from > {{ period_from }} then {{ versions }}.valid_from
        else {{ period_from }}
    end
{%- endmacro %}

{% macro clipped_valid_to(versions, period_to) -%}
    case
        when {{ versions }}.valid_to is not null and {{ versions }}.valid_to < {{ period_to }}
            then {{ versions }}.valid_to
        else {{ period_to }}
    end
{%- endmacro %}

{#- Shannon entropy of a string in bits per character: -sum(p * log2(p)) over its distinct
    characters, p = occurrences / length (0 for an empty string, null for null). A DOUBLE: a
    score for the masking rules, never money. Dispatched: list lambdas are DuckDB syntax. -#}
{% macro shannon_entropy_bits(expression) %}
    {{ return(adapter.dispatch('shannon_entropy_bits', 'tbm_warehouse')(expression)) }}
{% endmacro %}

{% macro default__shannon_entropy_bits(expression) %}
    coalesce(-list_sum(list_transform(
        list_distinct(string_split({{ expression }}, '')),
        lambda ch: (
            (length({{ expression }}) - length(replace({{ expression }}, ch, '')))
            / length({{ expression }})
        ) * log2(
            (length({{ expression }}) - length(replace({{ expression }}, ch, '')))
            / length({{ expression }})
        )
    )), case when {{ expression }} is not null then 0.0 end)
{% endmacro %}

{#- Spark: higher-order `aggregate` over the distinct characters (`split` by '' gives the
    characters); the empty string is 0 here too (no division by its length). -#}
{% macro spark__shannon_entropy_bits(expression) %}
    case
        when length({{ expression }}) = 0 then cast(0.0 as double)
        else -aggregate(
            array_distinct(split({{ expression }}, '')),
            cast(0.0 as double),
            (total, ch) -> total + (
                (length({{ expression }}) - length(replace({{ expression }}, ch, '')))
                / length({{ expression }})
            ) * log2(
                (length({{ expression }}) - length(replace({{ expression }}, ch, '')))
                / length({{ expression }})
            )
        )
    end
{% endmacro %}

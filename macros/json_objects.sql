{#- JSON objects held as text (FOCUS `Tags`, the loader's `_extra_columns`).

    json_object_entries(relation, id_column, json_column): a select of one row per key of the JSON
    object in `json_column`, with columns `<id_column>`, the `extra_columns` of the relation (a
    list, default none), `json_key`, `json_value` (text; nested
    values as JSON text, JSON null as null). Rows whose text is null, not valid JSON or not an
    object give no entries (count them with is_json_object). `relation` is a relation or CTE name.

    is_json_object(expression): true when the text is a valid JSON object, false otherwise
    (including null).

    json_object_repeats_a_key(expression): true when the text is a JSON object that names a key
    twice (legal JSON, but which value counts is the reader's choice), false otherwise.

    JSON functions have no common SQL form: an engine without a variant here fails at compile
    time with a message instead of running another engine's SQL. -#}

{% macro json_object_entries(relation, id_column, json_column, extra_columns=[]) -%}
    {{ return(adapter.dispatch('json_object_entries', 'tbm_warehouse')(
        relation, id_column, json_column, extra_columns)) }}
{%- endmacro %}

{% macro default__json_object_entries(relation, id_column, json_column, extra_columns=[]) -%}
    {{ exceptions.raise_compiler_error(
        "json_object_entries has no variant for the '" ~ adapter.type() ~ "' adapter: add "
        ~ adapter.type() ~ "__json_object_entries to macros/json_objects.sql") }}
{%- endmacro %}

{#- DuckDB: the json_each table function, lateral over the row; it keeps duplicate keys. -#}
{% macro duckdb__json_object_entries(relation, id_column, json_column, extra_columns=[]) -%}
    select
        {{ relation }}.{{ id_column }},
        {% for column in extra_columns -%}
        {{ relation }}.{{ column }},
        {% endfor -%}
        json_entries.key as json_key,
        json_extract_string(json_entries.value, '$') as json_value
    from {{ relation }}
    cross join json_each(
        case
            when {{ is_json_object(relation ~ '.' ~ json_column) }}
                then {{ relation }}.{{ json_column }}
        end
    ) as json_entries
{%- endmacro %}

{#- Spark: from_json to map<string,string> is null for malformed text (PERMISSIVE),
    and explode of a null map gives no row. Duplicate keys follow spark.sql.mapKeyDedupPolicy. -#}
{% macro spark__json_object_entries(relation, id_column, json_column, extra_columns=[]) -%}
    select
        {{ relation }}.{{ id_column }},
        {% for column in extra_columns -%}
        {{ relation }}.{{ column }},
        {% endfor -%}
        json_entries.json_key,
        json_entries.json_value
    from {{ relation }}
    lateral view explode(
        from_json({{ relation }}.{{ json_column }}, 'map<string,string>')
    ) json_entries as json_key, json_value
{%- endmacro %}

{% macro is_json_object(expression) -%}
    {{ return(adapter.dispatch('is_json_object', 'tbm_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__is_json_object(expression) -%}
    {{ exceptions.raise_compiler_error(
        "is_json_object has no variant for the '" ~ adapter.type() ~ "' adapter: add "
        ~ adapter.type() ~ "__is_json_object to macros/json_objects.sql") }}
{%- endmacro %}

{% macro duckdb__is_json_object(expression) -%}
    coalesce(
        case when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT' end,
        false
    )
{%- endmacro %}

{% macro spark__is_json_object(expression) -%}
    coalesce(
        substr(ltrim({{ expression }}), 1, 1) = '{'
        and from_json({{ expression }}, 'map<string,string>') is not null,
        false
    )
{%- endmacro %}

{% macro json_object_repeats_a_key(expression) -%}
    {{ return(adapter.dispatch('json_object_repeats_a_key', 'tbm_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__json_object_repeats_a_key(expression) -%}
    {{ exceptions.raise_compiler_error(
        "json_object_repeats_a_key has no variant for the '" ~ adapter.type() ~ "' adapter: add "
        ~ adapter.type() ~ "__json_object_repeats_a_key to macros/json_objects.sql") }}
{%- endmacro %}

{#- DuckDB's json_keys keeps a repeated key, as json_each does. -#}
{% macro duckdb__json_object_repeats_a_key(expression) -%}
    coalesce(
        case
            when {{ is_json_object(expression) }}
                then len(json_keys({{ expression }})) > len(list_distinct(json_keys({{ expression }})))
        end,
        false
    )
{%- endmacro %}

{#- Spark's json_object_keys lists the keys as the text has them, a repeated one twice. -#}
{% macro spark__json_object_repeats_a_key(expression) -%}
    coalesce(
        case
            when {{ is_json_object(expression) }}
                then size(json_object_keys({{ expression }}))
                > size(array_distinct(json_object_keys({{ expression }})))
        end,
        false
    )
{%- endmacro %}

{#- dbt-duckdb's `incremental` materialization, with one path of our own: the incremental run of a
    month-incremental model (month_incremental_config) on DuckDB.

    dbt-duckdb builds every incremental batch into a temporary table, then deletes the batch's
    months from the model and inserts the temporary table: each rebuilt month is written twice,
    and under the memory limit the temporary copy of a 10M-charge month spills to disk and is
    read back (stg_focus__charges took 51-76 s to add a month to 60M charges, 25 s to build the
    same month alone). This path writes the batch once, in one transaction:
    1. insert the model's select into the model: every new row carries this invocation's
       `month_built_at` (month_built_at());
    2. delete the rows of the months that the insert wrote that an earlier build wrote.
    The result is delete+insert on the month column (a month present in the batch is replaced
    whole; a month absent from it is left as it was), without the copy. The select reads the
    model as it was before the insert (its months_to_build compares against it): one statement
    sees one snapshot.

    on_schema_change `fail` holds as in dbt: the select's columns (a `where false` probe that
    DuckDB answers from the plan) must be the model's columns, by name, or the run fails before
    writing. A first build, a full refresh, and every model that is not month-incremental go to
    dbt-duckdb's own materialization unchanged. Spark keeps insert_overwrite (its own
    materialization; this one is for adapter duckdb only). -#}

{% materialization incremental, adapter='duckdb', supported_languages=['sql', 'python'] -%}
    {%- if model['language'] == 'sql'
        and month_incremental_tag() in model.tags
        and is_incremental() -%}
        {{ return(month_incremental_insert_then_replace()) }}
    {%- endif -%}
    {{ return(dbt.materialization_incremental_duckdb()) }}
{%- endmaterialization %}

{% macro month_incremental_insert_then_replace() -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- set month_column = config.get('unique_key') -%}
    {%- set dest_names = adapter.get_columns_in_relation(target_relation)
        | map(attribute='name') | list -%}
    {%- set batch_names = get_columns_in_query(compiled_code) -%}
    {%- if (dest_names | map('lower') | sort | list) != (batch_names | map('lower') | sort | list) -%}
        {{ exceptions.raise_compiler_error(
            'The columns of ' ~ this ~ ' changed (on_schema_change fail): the model has '
            ~ dest_names | join(', ') ~ '; its select has ' ~ batch_names | join(', ')
            ~ '. Rebuild it with --full-refresh.') }}
    {%- endif -%}
    {%- set columns_csv = get_quoted_csv(dest_names) -%}

    {% call statement('main') %}
        insert into {{ target_relation }} ({{ columns_csv }})
        select {{ columns_csv }}
        from (
            {{ compiled_code }}
        ) as month_batch;

        delete from {{ target_relation }}
        where
            {{ month_column }} in (
                select distinct batch_months.{{ month_column }}
                from {{ target_relation }} as batch_months
                where batch_months.month_built_at = {{ month_built_at() }}
            )
            and month_built_at is distinct from {{ month_built_at() }}
    {% endcall %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{%- endmacro %}

{#- Incremental by billing month (GitHub issue 7): the charge-level models rebuild only the months
    whose inputs changed and replace them whole.

    month_incremental_config(month_column): the config dict of such a model, used as
    `{{ config(**month_incremental_config('billing_month')) }}`. Dispatched:
    - default__ (DuckDB and engines with delete+insert): materialized incremental, strategy
      delete+insert, unique_key = the month column, so every month present in the new batch is
      deleted from the table, then the batch inserted (a month is replaced, never merged row by
      row);
    - spark__: insert_overwrite partitioned by the month column, file_format from
      var('spark_file_format') (parquet by default): the partitions (months) present in the batch
      are overwritten (dynamic partition overwrite; `merge` would need Delta or Iceberg). Spark
      writes the partition column last, so every such model selects the month column as its
      LAST column on every engine, or the incremental insert's columns no longer line up
      (ENGINES.md).
    A full refresh (`tbm run --full-refresh`, `dbt build --full-refresh`) rebuilds every month
    and must give the same rows (tests/test_incremental.py). -#}

{% macro month_incremental_config(month_column) -%}
    {{ return(adapter.dispatch('month_incremental_config', 'tbm_warehouse')(month_column)) }}
{%- endmacro %}

{% macro default__month_incremental_config(month_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': month_column,
    }) }}
{%- endmacro %}

{% macro spark__month_incremental_config(month_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [month_column],
        'file_format': var('spark_file_format', 'parquet'),
    }) }}
{%- endmacro %}

{#- month_built_at(): when this dbt invocation started, as a timestamp literal (UTC). Every row an
    incremental model writes carries it in `month_built_at`, so a downstream model can tell
    which months its upstream rebuilt after its own last build. -#}
{% macro month_built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- months_rebuilt_upstream(upstream, month_column): a select of the months that `upstream` (a
    relation with `month_built_at`) built after this model last built them, or that this model
    does not have yet. Only valid inside `{% if is_incremental() %}`. -#}
{% macro months_rebuilt_upstream(upstream, month_column='billing_month') -%}
    select upstream_months.{{ month_column }}
    from (
        select
            {{ month_column }},
            max(month_built_at) as month_built_at
        from {{ upstream }}
        group by {{ month_column }}
    ) as upstream_months
    left join (
        select
            {{ month_column }},
            max(month_built_at) as month_built_at
        from {{ this }}
        group by {{ month_column }}
    ) as own_months
        on upstream_months.{{ month_column }} = own_months.{{ month_column }}
    where
        own_months.month_built_at is null
        or upstream_months.month_built_at > own_months.month_built_at
{%- endmacro %}

{#- Incremental models by billing month: one config, dispatched per engine.

    month_incremental_config(month_column): the config dict of a model rebuilt month by month,
    for `{{ config(**month_incremental_config('billing_month')) }}`.
    - default__ (DuckDB): materialized incremental, incremental_strategy 'delete+insert',
      unique_key month_column: the months present in the new rows are deleted, then inserted.
    - spark__: incremental_strategy 'insert_overwrite', partition_by [month_column], file_format
      from var('spark_file_format') (parquet by default): the partitions (months) present in the
      new rows are overwritten (dynamic partition overwrite). Spark writes the partition column
      last, so the model must select month_column as its LAST column on every engine, or the
      columns of the incremental insert no longer line up (ENGINES.md). `merge` would need Delta
      or Iceberg. -#}
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

{#- Sources on Spark: the raw extracts stay loaded by the one loader (orchestration/pipeline/load.py,
    into DuckDB); before a Spark build the orchestration exports every dbt source table
    (raw.*, audit.gate_results) as Parquet into the exchange folder,
    <var spark_exchange_location>/<schema>/<table>/ (orchestration/pipeline/spark.py). This macro,
    the project's on-run-start hook, registers each of them as an external Spark table of the
    source's schema and name, so models read `source('raw', 'billing')` unchanged. An external
    table is only a name for the files: dropping it never deletes them, and re-creating it at
    each run picks up the newest export (and its schema).

    register_spark_sources(): dispatched; `default__` (DuckDB) does nothing, the sources are
    the warehouse's own tables; `spark__` registers the sources whose schema is in
    var('spark_exchanged_schemas'), and the tables of the `closed` schema (written by `tbm close`
    in DuckDB) that the orchestration exported, named in env TBM_SPARK_CLOSED_TABLES; the closed
    tables not exported (no month closed yet) are created empty by create_closed_schema and
    create_closed_table. -#}
{% macro register_spark_sources() -%}
    {{ return(adapter.dispatch('register_spark_sources', 'tbm_warehouse')()) }}
{%- endmacro %}

{% macro default__register_spark_sources() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_spark_sources() -%}
    {%- if execute -%}
        {%- set root = var('spark_exchange_location') | trim -%}
        {%- set exchanged = var('spark_exchanged_schemas') -%}
        {#- DuckDB writes its naive UTC timestamps as Parquet timestamps not adjusted to UTC,
            which Spark would read as timestamp_ntz: read them as Spark's timestamp (the
            session time zone is UTC), the type the models and their contracts use. The schema
            is fixed when the table is created, so this holds for every later reader. -#}
        {%- do run_query('set spark.sql.parquet.inferTimestampNTZ.enabled = false') -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if node.schema in exchanged -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ node.identifier) -%}
                {%- do run_query(
                    'create table ' ~ node.schema ~ '.' ~ node.identifier ~ ' using parquet '
                    ~ "location '" ~ root ~ '/' ~ node.schema ~ '/' ~ node.identifier ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query('create database if not exists closed') -%}
        {%- for name in env_var('TBM_SPARK_CLOSED_TABLES', '').split(',') if name -%}
            {%- do run_query('drop table if exists closed.' ~ name) -%}
            {%- do run_query(
                'create table closed.' ~ name ~ " using parquet location '"
                ~ root ~ '/closed/' ~ name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- export_spark_views(): the project's on-run-end hook. The orchestration reads the Spark-built
    `marts` and `quality` tables back from their Parquet files (orchestration/pipeline/spark.py); a
    view has no files, so on Spark each view of those schemas that this run built is written as
    Parquet to <var spark_exchange_location>/views/<schema>/<view>/ (except the control-plane
    view of the gate history, tag control_plane, built on DuckDB). `default__` does nothing. -#}
{% macro export_spark_views(results) -%}
    {{ return(adapter.dispatch('export_spark_views', 'tbm_warehouse')(results)) }}
{%- endmacro %}

{% macro default__export_spark_views(results) -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__export_spark_views(results) -%}
    {%- if execute -%}
        {%- set root = var('spark_exchange_location') | trim -%}
        {%- for result in results
            if result.node.resource_type == 'model'
            and result.status == 'success'
            and result.node.config.materialized == 'view'
            and result.node.schema in ['marts', 'quality']
            and 'control_plane' not in result.node.config.tags -%}
            {%- do run_query(
                "insert overwrite directory '" ~ root ~ '/views/' ~ result.node.schema ~ '/'
                ~ result.node.alias ~ "' using parquet select * from "
                ~ result.node.schema ~ '.' ~ result.node.alias) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- The `closed` schema that `tbm close` writes, created empty when missing so that the models
    reading it always compile. Its DuckDB DDL has one owner, orchestration/warehouse/
    control_tables.py (CLOSED_DDL), run before every build. On Spark the closed tables that `tbm close` wrote in DuckDB are exchanged as
    Parquet and registered before the build (macros/spark_sources.sql); the Spark variant
    creates the view over them, and the tables that no close wrote yet empty, in Spark's types,
    one statement per call (Spark runs one statement at a time). -#}
{% macro create_closed_schema() -%}
    {{ return(adapter.dispatch('create_closed_schema', 'tbm_warehouse')()) }}
{%- endmacro %}

{#- DuckDB: the run creates the closed schema before dbt builds
    (orchestration/warehouse/control_tables.py), so there is nothing to do. -#}
{% macro default__create_closed_schema() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__create_closed_schema() -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists closed') -%}
        {%- do run_query(
            'create table if not exists closed.month_closes (close_id string not null, '
            ~ 'billing_month date not null, action string not null, acted_by string not null, '
            ~ 'acted_at timestamp not null, run_id string, reason string) using '
            ~ var('spark_file_format')) -%}
        {%- do run_query(
            'create or replace view closed.current_closes as '
            ~ 'select close_id, billing_month, acted_by as closed_by, acted_at as closed_at, '
            ~ 'run_id from (select *, row_number() over (partition by billing_month '
            ~ 'order by acted_at desc, action) as rn from closed.month_closes) as ranked '
            ~ "where rn = 1 and action = 'close'") -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- One frozen mart's table in the `closed` schema (as `tbm close` creates it: the mart's
    columns after a leading close_id), created empty when missing. The columns and types are the
    mart's contract (its yml), read from the graph rather than from the mart's relation, so that
    the staging model carrying this pre-hook does not depend on a mart. -#}
{% macro create_closed_table(mart) -%}
    {{ return(adapter.dispatch('create_closed_table', 'tbm_warehouse')(mart)) }}
{%- endmacro %}

{% macro closed_table_columns(mart, string_type) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- set node = graph.nodes['model.tbm_warehouse.' ~ mart] -%}
        {%- for column in node.columns.values() -%}
            {%- do columns.append(column.name ~ ' ' ~ column.data_type) -%}
        {%- endfor -%}
    {%- endif -%}
    close_id {{ string_type }}{% for column in columns %}, {{ column }}{% endfor %}
{%- endmacro %}

{% macro default__create_closed_table(mart) %}
    create table if not exists closed.{{ mart }} ({{ closed_table_columns(mart, 'varchar') }});
{% endmacro %}

{% macro spark__create_closed_table(mart) -%}
    create table if not exists closed.{{ mart }} ({{ closed_table_columns(mart, 'string') }})
    using {{ var('spark_file_format') }}
{%- endmacro %}

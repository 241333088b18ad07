{#- The gate history table audit.gate_results (orchestration/lib/gates.py AUDIT_DDL: keep the
    two in step), created empty when missing so that marts.fct_data_quality always compiles.
    The pre-hook of models/staging/audit/stg_audit__gate_results.sql.

    Dispatched: on DuckDB it is the working warehouse's own table. On Spark the table is the
    exchanged source (macros/spark_sources.sql registers the Parquet export of the DuckDB table
    at the start of the run), so there is nothing to create. -#}
{% macro create_audit_schema() -%}
    {{ return(adapter.dispatch('create_audit_schema', 'tbm_warehouse')()) }}
{%- endmacro %}

{% macro default__create_audit_schema() -%}
    create schema if not exists audit;
    create table if not exists audit.gate_results (
        run_id varchar not null,
        suite_name varchar not null,
        check_name varchar not null,
        checked_item varchar,
        billing_month date,
        observed_value varchar,
        observed_number decimal(38, 10),
        threshold varchar,
        threshold_min decimal(38, 10),
        threshold_max decimal(38, 10),
        status varchar not null,
        is_blocking boolean not null,
        message varchar,
        checked_at timestamp not null
    )
{%- endmacro %}

{% macro spark__create_audit_schema() -%}
    {{ return('') }}
{%- endmacro %}

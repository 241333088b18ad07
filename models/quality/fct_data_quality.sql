{#- A view, not a table: dbt builds before the gates run, and the gate checks append their
    results to audit.gate_results afterwards. As a view it shows the current run's results as
    soon as they are written, and publication (after the gates) copies it with them. The run
    creates the audit table before dbt builds (orchestration/warehouse/control_tables.py). Tag `control_plane`: with the Spark engine, the DuckDB target builds it over
    DuckDB's own audit table too (orchestration/pipeline/spark.py). It sits with the quality models
    and is published in schema marts (config schema), where BI has always read it. -#}
{{ config(
    schema='marts',
    materialized='view',
    tags=['control_plane'],
) }}

with

gate_results as (
    select * from {{ ref('stg_audit__gate_results') }}
),

latest_run as (
    select run_id
    from gate_results
    order by checked_at desc, run_id desc
    limit 1
),

final as (
    select
        -- ids
        gate_results.run_id,
        -- strings
        gate_results.suite_name,
        gate_results.check_name,
        gate_results.checked_item,
        gate_results.observed_value,
        gate_results.threshold,
        gate_results.status,
        gate_results.message,
        -- numerics
        gate_results.observed_number,
        gate_results.threshold_min,
        gate_results.threshold_max,
        -- booleans
        gate_results.is_blocking,
        gate_results.run_id in (select latest_run.run_id from latest_run) as is_latest_run,
        -- dates
        gate_results.billing_month,
        -- timestamps
        gate_results.checked_at
    from gate_results
)

select * from final

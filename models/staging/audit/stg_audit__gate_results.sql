-- The gate history as the gate checks append it (audit.gate_results; the run creates the table
-- before dbt builds: orchestration/warehouse/control_tables.py). Tag `control_plane`: with the
-- Spark engine, the DuckDB target builds it (and marts.fct_data_quality over it) on DuckDB's own
-- table.
{{ config(tags=['control_plane']) }}

with

gate_results as (
    select * from {{ source('audit', 'gate_results') }}
),

renamed as (
    select
        -- ids
        run_id,
        -- strings
        suite_name,
        check_name,
        checked_item,
        observed_value,
        threshold,
        status,
        message,
        -- numerics
        observed_number,
        threshold_min,
        threshold_max,
        -- booleans
        is_blocking,
        -- dates
        billing_month,
        -- timestamps
        checked_at
    from gate_results
)

select * from renamed

-- The gate history as the gate checks append it (audit.gate_results). The pre-hook creates the
-- table empty on a new warehouse (macros/audit_schema.sql). Tag `control_plane`: with the Spark
-- engine, the DuckDB target builds it (and marts.fct_data_quality over it) on DuckDB's own table.
{{ config(tags=['control_plane'], pre_hook=["{{ create_audit_schema() }}"]) }}

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

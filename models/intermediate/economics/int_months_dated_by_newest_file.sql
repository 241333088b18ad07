-- When the newest landed file carrying data of each month was loaded: a current billing charge,
-- a telemetry day or an invoice line of the month (the TBM metric allocation_latency_hours).
with

charges as (
    select
        source_file_id,
        billing_month
    from {{ ref('stg_focus__charges') }}
),

telemetry_days as (
    select
        source_file_id,
        usage_month
    from {{ ref('stg_telemetry__service_days') }}
),

invoice_lines as (
    select
        source_file_id,
        service_month
    from {{ ref('stg_invoices__invoice_lines') }}
),

files as (
    select
        file_id,
        loaded_at
    from {{ ref('stg_load__files') }}
),

month_files as (
    select distinct
        billing_month,
        source_file_id
    from charges
    union
    select distinct
        usage_month as billing_month,
        source_file_id
    from telemetry_days
    union
    select distinct
        service_month as billing_month,
        source_file_id
    from invoice_lines
),

month_newest_files as (
    select
        month_files.billing_month,
        max(files.loaded_at) as newest_loaded_at
    from month_files
    inner join files
        on month_files.source_file_id = files.file_id
    group by month_files.billing_month
)

select * from month_newest_files

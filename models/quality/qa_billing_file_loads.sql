{#- Row accounting of every billing file load (expectations/raw_billing.json checks the files
    of the run it gates: read = loaded + quarantined, no row quarantined beyond the limit). -#}
with

files as (
    select * from {{ ref('stg_load__files') }}
    where extract_kind = 'billing'
),

accounted as (
    select
        run_id,
        file_id,
        file_path,
        load_status,
        focus_version,
        rows_read - rows_loaded - rows_quarantined as unaccounted_row_count,
        rows_quarantined as quarantined_row_count
    from files
)

select * from accounted

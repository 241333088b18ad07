{#- The publication this build makes: its allocation time stands for it (var economics_run_at,
    else the start of this dbt invocation, UTC); the gates and the copy follow within minutes. -#}
{%- set this_build_at = var('economics_run_at') or run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
-- When each month's data of each source became available, and the publication that first
-- included it (the TBM metric M8, allocation latency). Billing and telemetry are available when
-- the newest file carrying data of the month landed (the file's modification time, recorded at
-- load); invoices when the newest invoice of the month's service is dated (00:00 UTC of
-- invoice_date). The first publication including the month's data is the first one swapped in
-- after its newest file was loaded (audit.publications); when no publication has included it
-- yet, it is the publication this build makes.
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
        service_month,
        invoice_date
    from {{ ref('stg_invoices__invoice_lines') }}
),

files as (
    select
        file_id,
        loaded_at,
        landed_at
    from {{ ref('stg_load__files') }}
),

publications as (
    select published_at from {{ ref('stg_audit__publications') }}
),

month_files as (
    select distinct
        'billing' as data_source,
        billing_month,
        source_file_id,
        cast(null as date) as invoice_date
    from charges
    union all
    select distinct
        'telemetry' as data_source,
        usage_month as billing_month,
        source_file_id,
        cast(null as date) as invoice_date
    from telemetry_days
    union all
    select distinct
        'invoices' as data_source,
        service_month as billing_month,
        source_file_id,
        invoice_date
    from invoice_lines
),

month_sources as (
    select
        month_files.data_source,
        month_files.billing_month,
        max(files.loaded_at) as newest_loaded_at,
        case
            when month_files.data_source = 'invoices'
                then cast(max(month_files.invoice_date) as timestamp)
            else max(files.landed_at)
        end as available_at
    from month_files
    inner join files
        on month_files.source_file_id = files.file_id
    group by
        month_files.data_source,
        month_files.billing_month
),

first_publications as (
    select
        month_sources.data_source,
        month_sources.billing_month,
        min(publications.published_at) as first_published_at
    from month_sources
    inner join publications
        on month_sources.newest_loaded_at <= publications.published_at
    group by
        month_sources.data_source,
        month_sources.billing_month
),

final as (
    select
        month_sources.data_source,
        month_sources.available_at,
        month_sources.newest_loaded_at,
        coalesce(
            first_publications.first_published_at, cast('{{ this_build_at }}' as timestamp)
        ) as first_published_at,
        first_publications.first_published_at is null as is_published_by_this_build,
        month_sources.billing_month
    from month_sources
    left join first_publications
        on
            month_sources.data_source = first_publications.data_source
            and month_sources.billing_month = first_publications.billing_month
)

select * from final

{#- Raw-extract checks per billing file and month (expectations/raw_billing_formats.json).

    expected_columns: FOCUS columns that a file of each version carries and that the spec says
    are never null (display name -> raw expression, first version). A file-month where one of
    them is null in every row lacks the column or delivered it empty. The other never-null
    columns (BilledCost, BillingCurrency, the periods, ...) are required by the loader, which
    quarantines a row without them, so they are not repeated here. -#}
{%- set expected_columns = {
    'ProviderName': ('billing.provider_name', '1.0'),
    'PublisherName': ('billing.publisher_name', '1.0'),
    'InvoiceIssuerName': ('billing.invoice_issuer_name', '1.0'),
    'ServiceName': ('billing.service_name', '1.0'),
    'ServiceCategory': ('billing.service_category', '1.0'),
    'ListCost': ('billing.list_cost', '1.0'),
    'ContractedCost': ('billing.contracted_cost', '1.0'),
    'ServiceSubcategory': ('billing.service_subcategory', '1.1'),
} -%}
{%- set upper_letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' -%}

{#- Incremental by billing month: a build checks the file-months of the months staging rebuilt
    (a file's rows never change; which files are current changes only with such a rebuild). -#}
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('stg_focus__charges')]) }}

billing as (
    select * from {{ ref('stg_focus__billing_file_rows') }}
),

charges as (
    select * from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

files as (
    select * from {{ ref('stg_load__files') }}
),

-- Only files that still hold current rows: a superseded delivery is history, not a gate.
current_files as (
    select distinct source_file_id as file_id
    from charges
),

column_value_counts as (
    select
        billing.source_file_id as file_id,
        cast(date_trunc('month', billing.billing_period_start) as date) as billing_month,
        {% for column, (expression, since) in expected_columns.items() -%}
        count({{ expression }}) as {{ column | lower }}_value_count,
        {% endfor -%}
        count(*) as raw_row_count
    from billing
    where billing.source_file_id in (select current_files.file_id from current_files)
    group by
        billing.source_file_id,
        cast(date_trunc('month', billing.billing_period_start) as date)
),

columns_missing as (
    select
        column_value_counts.file_id,
        column_value_counts.billing_month,
        (
            {% for column, (expression, since) in expected_columns.items() -%}
            case
                when
                    files.focus_version >= '{{ since }}'
                    and column_value_counts.{{ column | lower }}_value_count = 0
                    then 1
                else 0
            end{{ ' +' if not loop.last }}
            {% endfor -%}
        ) as missing_column_count,
        concat_ws(
            ', ',
            {% for column, (expression, since) in expected_columns.items() -%}
            case
                when
                    files.focus_version >= '{{ since }}'
                    and column_value_counts.{{ column | lower }}_value_count = 0
                    then '{{ column }}'
            end{{ ',' if not loop.last }}
            {% endfor -%}
        ) as missing_columns
    from column_value_counts
    inner join files
        on column_value_counts.file_id = files.file_id
),

-- Values that typed but break a FOCUS format rule. A correction (ChargeClass `Correction`) may
-- charge a period before its billing period.
charges_checked as (
    select
        source_file_id as file_id,
        billing_month,
        charge_id,
        (
            length(billing_currency) <> 3
            or translate(billing_currency, '{{ upper_letters }}', '') <> ''
        ) as has_malformed_currency_code,
        charge_period_end <= charge_period_start as has_invalid_charge_period,
        billing_period_end <= billing_period_start as has_invalid_billing_period,
        (
            coalesce(charge_class, '') <> 'Correction'
            and (
                charge_period_start < billing_period_start
                or charge_period_end > billing_period_end
            )
        ) as is_charged_outside_billing_period,
        (
            has_invalid_tags_json
            or (sku_price_details is not null and not {{ is_json_object('sku_price_details') }})
        ) as has_invalid_json,
        has_unknown_enum_value
    from charges
),

formats_by_file_month as (
    select
        file_id,
        billing_month,
        count(*) as row_count,
        sum(case when has_malformed_currency_code then 1 else 0 end)
            as malformed_currency_code_count,
        sum(case when has_invalid_charge_period then 1 else 0 end) as invalid_charge_period_count,
        sum(case when has_invalid_billing_period then 1 else 0 end)
            as invalid_billing_period_count,
        sum(case when is_charged_outside_billing_period then 1 else 0 end)
            as charged_outside_billing_period_count,
        sum(case when has_invalid_json then 1 else 0 end) as invalid_json_count,
        sum(case when has_unknown_enum_value then 1 else 0 end) as unknown_enum_value_count,
        min(
            case
                when
                    has_malformed_currency_code
                    or has_invalid_charge_period
                    or has_invalid_billing_period
                    or is_charged_outside_billing_period
                    or has_invalid_json
                    or has_unknown_enum_value
                    then charge_id
            end
        ) as sample_malformed_charge_id
    from charges_checked
    group by
        file_id,
        billing_month
),

final as (
    select
        -- ids
        cast(formats_by_file_month.billing_month as string) || ' '
        || files.file_path as file_month,
        formats_by_file_month.file_id,
        -- strings
        files.file_path,
        files.focus_version,
        coalesce(columns_missing.missing_columns, '') as missing_columns,
        formats_by_file_month.sample_malformed_charge_id,
        -- numerics
        cast(formats_by_file_month.row_count as bigint) as row_count,
        cast(coalesce(columns_missing.missing_column_count, 0) as bigint) as missing_column_count,
        cast(formats_by_file_month.malformed_currency_code_count as bigint)
            as malformed_currency_code_count,
        cast(formats_by_file_month.invalid_charge_period_count as bigint)
            as invalid_charge_period_count,
        cast(formats_by_file_month.invalid_billing_period_count as bigint)
            as invalid_billing_period_count,
        cast(formats_by_file_month.charged_outside_billing_period_count as bigint)
            as charged_outside_billing_period_count,
        cast(formats_by_file_month.invalid_json_count as bigint) as invalid_json_count,
        cast(formats_by_file_month.unknown_enum_value_count as bigint)
            as unknown_enum_value_count,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        formats_by_file_month.billing_month
    from formats_by_file_month
    inner join files
        on formats_by_file_month.file_id = files.file_id
    left join columns_missing
        on
            formats_by_file_month.file_id = columns_missing.file_id
            and formats_by_file_month.billing_month = columns_missing.billing_month
)

select * from final

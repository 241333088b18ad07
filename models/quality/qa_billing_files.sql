{#- Raw-extract checks per billing file and month (expectations/raw_billing_formats.json): the
    format errors that break money (a currency code, an inverted period, JSON that cannot be
    read, an enumeration value FOCUS does not define). A provider's known deviations that leave
    the money intact (a column it does not deliver, a unit outside the FOCUS unit format, a
    charge outside its billing period) are qa_billing_deviations, a warning. -#}

{#- Incremental by billing month: a build checks the file-months of the months staging rebuilt
    (a file's rows never change; which files are current changes only with such a rebuild). -#}
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('stg_focus__charges')]) }}

charges as (
    select * from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

files as (
    select * from {{ ref('stg_load__files') }}
),

-- Values that typed but break a FOCUS format rule.
charges_checked as (
    select
        source_file_id as file_id,
        billing_month,
        charge_id,
        -- a regular expression: translate() over every charge took 20 times as long
        not {{ regex_matches('billing_currency', "'^[A-Z]{3}$'") }} as has_malformed_currency_code,
        charge_period_end <= charge_period_start as has_invalid_charge_period,
        billing_period_end <= billing_period_start as has_invalid_billing_period,
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
        sum(case when has_invalid_json then 1 else 0 end) as invalid_json_count,
        sum(case when has_unknown_enum_value then 1 else 0 end) as unknown_enum_value_count,
        min(
            case
                when
                    has_malformed_currency_code
                    or has_invalid_charge_period
                    or has_invalid_billing_period
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
        formats_by_file_month.sample_malformed_charge_id,
        -- numerics
        cast(formats_by_file_month.row_count as bigint) as row_count,
        cast(formats_by_file_month.malformed_currency_code_count as bigint)
            as malformed_currency_code_count,
        cast(formats_by_file_month.invalid_charge_period_count as bigint)
            as invalid_charge_period_count,
        cast(formats_by_file_month.invalid_billing_period_count as bigint)
            as invalid_billing_period_count,
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
)

select * from final

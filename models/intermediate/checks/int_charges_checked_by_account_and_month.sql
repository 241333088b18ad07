-- The charge-level part of the quality checks, summed once per billing month, billing account and
-- billing currency (a few rows a month): qa_billing_monthly and qa_currency_monthly read these
-- sums instead of joining the charge-level tables of every month on each build. Incremental by
-- month like the models it reads: a build checks the months conversion or mapping rebuilt.
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([
    ref('int_charges_converted_to_reporting_currency'),
    ref('int_charges_mapped_to_services'),
]) }}

charges as (
    select
        charge_id,
        source_file_id,
        source_line,
        billing_account_id,
        billing_currency,
        billing_month,
        is_unknown_currency,
        has_null_contracted_cost,
        has_enum_case_error,
        has_unknown_enum_value,
        has_invalid_tags_json
    from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

converted_charges as (
    select
        source_file_id,
        source_line,
        effective_cost_reporting,
        has_missing_fx_rate
    from {{ ref('int_charges_converted_to_reporting_currency') }}
    {{ where_months_to_build() }}
),

mapped_charges as (
    select
        source_file_id,
        source_line,
        service_id
    from {{ ref('int_charges_mapped_to_services') }}
    {{ where_months_to_build() }}
),

-- Staging drives: every current charge is counted, converted or not. A charge without a
-- conversion row has no rate either.
charges_joined as (
    select
        charges.*,
        converted_charges.effective_cost_reporting,
        coalesce(converted_charges.has_missing_fx_rate, true) as has_missing_fx_rate,
        coalesce(mapped_charges.service_id = 'unallocated', false) as is_unallocated
    from charges
    left join converted_charges
        on {{ same_charge('charges', 'converted_charges') }}
    left join mapped_charges
        on {{ same_charge('charges', 'mapped_charges') }}
),

checked as (
    select
        billing_month,
        billing_account_id,
        billing_currency,
        count(*) as charge_count,
        sum(effective_cost_reporting) as effective_cost_reporting,
        sum(case when is_unallocated then effective_cost_reporting end)
            as unmapped_effective_cost_reporting,
        sum(case when is_unknown_currency then 1 else 0 end) as unknown_currency_count,
        sum(case when has_missing_fx_rate then 1 else 0 end) as missing_fx_rate_count,
        sum(case when has_null_contracted_cost then 1 else 0 end) as null_contracted_cost_count,
        sum(case when has_enum_case_error then 1 else 0 end) as enum_case_error_count,
        sum(case when has_unknown_enum_value then 1 else 0 end) as unknown_enum_value_count,
        sum(case when has_invalid_tags_json then 1 else 0 end) as invalid_tags_json_count,
        -- the smallest charge id per check (the month's example is the smallest of these)
        min(case when is_unknown_currency then charge_id end)
            as sample_unknown_currency_charge_id,
        min(case when has_missing_fx_rate then charge_id end)
            as sample_missing_fx_rate_charge_id,
        min(case when has_null_contracted_cost then charge_id end)
            as sample_null_contracted_cost_charge_id,
        min(case when has_enum_case_error then charge_id end)
            as sample_enum_case_error_charge_id
    from charges_joined
    group by
        billing_month,
        billing_account_id,
        billing_currency
),

final as (
    select
        -- ids
        billing_account_id,
        sample_unknown_currency_charge_id,
        sample_missing_fx_rate_charge_id,
        sample_null_contracted_cost_charge_id,
        sample_enum_case_error_charge_id,
        -- strings
        billing_currency,
        -- numerics
        cast(charge_count as bigint) as charge_count,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(unmapped_effective_cost_reporting as decimal(38, 12))
            as unmapped_effective_cost_reporting,
        cast(unknown_currency_count as bigint) as unknown_currency_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        cast(null_contracted_cost_count as bigint) as null_contracted_cost_count,
        cast(enum_case_error_count as bigint) as enum_case_error_count,
        cast(unknown_enum_value_count as bigint) as unknown_enum_value_count,
        cast(invalid_tags_json_count as bigint) as invalid_tags_json_count,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        billing_month
    from checked
)

select * from final

-- The charge-level part of the quality checks, summed once per billing month, billing account and
-- billing currency (a few rows a month): qa_billing_monthly and qa_currency_monthly read these
-- sums instead of joining the charge-level tables of every month on each build. Incremental by
-- month like the charge sums it reads: a build checks the months they rebuilt.
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('int_charges_summed_for_allocation_and_checks')]) }}

-- every current charge, summed (int_charges_summed_for_allocation_and_checks); a charge without
-- a conversion row counts as a missing rate there
charges_summed as (
    select *
    from {{ ref('int_charges_summed_for_allocation_and_checks') }}
    {{ where_months_to_build() }}
),

checked as (
    select
        billing_month,
        billing_account_id,
        billing_currency,
        sum(charge_count) as charge_count,
        sum(effective_cost_reporting) as effective_cost_reporting,
        sum(case when service_id = 'unallocated' then effective_cost_reporting end)
            as unmapped_effective_cost_reporting,
        sum(unknown_currency_count) as unknown_currency_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count,
        sum(null_contracted_cost_count) as null_contracted_cost_count,
        sum(enum_case_error_count) as enum_case_error_count,
        sum(unknown_enum_value_count) as unknown_enum_value_count,
        sum(invalid_tags_json_count) as invalid_tags_json_count,
        -- the smallest charge id per check (the month's example is the smallest of these)
        min(sample_unknown_currency_charge_id) as sample_unknown_currency_charge_id,
        min(sample_missing_fx_rate_charge_id) as sample_missing_fx_rate_charge_id,
        min(sample_null_contracted_cost_charge_id) as sample_null_contracted_cost_charge_id,
        min(sample_enum_case_error_charge_id) as sample_enum_case_error_charge_id
    from charges_summed
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

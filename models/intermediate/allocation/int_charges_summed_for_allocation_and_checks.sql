-- The one pass over the charge-level tables after conversion and mapping: each current charge
-- joined to its conversion and its mapping, summed by every attribute that the allocation's
-- charge groups, the invoice totals, the charge checks and the commitment sums read (a few
-- thousand rows a month). Those models sum these rows instead of joining the charge-level
-- tables again, each on its own. The reporting sums here are partial (nulls left out) and the
-- charges without a reporting amount are counted: each reader decides what a missing rate
-- makes of its total.
{{ config(**month_incremental_config('billing_month')) }}
{#- a summed row: the charges alike in all its readers' groups -#}
{%- set group_columns = [
    'billing_month',
    'charge_date',
    'billing_currency',
    'provider_name',
    'billing_account_id',
    'invoice_id',
    'charge_category',
    'service_category',
    'service_subcategory',
    'commitment_discount_status',
    'is_idle_cost',
    'is_allocated',
    'service_id',
    'mapping_rule_id',
    'mapping_method',
] -%}

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
        provider_name,
        billing_account_id,
        invoice_id,
        charge_category,
        service_category,
        service_subcategory,
        commitment_discount_status,
        capacity_reservation_status,
        billing_currency,
        billed_cost,
        effective_cost,
        is_unknown_currency,
        has_null_contracted_cost,
        has_enum_case_error,
        has_unknown_enum_value,
        has_invalid_tags_json,
        billing_month,
        charge_date
    from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

converted_charges as (
    select
        source_file_id,
        source_line,
        billed_cost_reporting,
        effective_cost_reporting,
        has_missing_fx_rate
    from {{ ref('int_charges_converted_to_reporting_currency') }}
    {{ where_months_to_build() }}
),

mapped_charges as (
    select
        source_file_id,
        source_line,
        service_id,
        mapping_rule_id,
        mapping_method
    from {{ ref('int_charges_mapped_to_services') }}
    {{ where_months_to_build() }}
),

-- Staging drives: every current charge is summed, converted or not; a charge without a
-- conversion row has no rate either, and one without a mapping row was not allocated.
charges_joined as (
    select
        charges.*,
        converted_charges.billed_cost_reporting,
        converted_charges.effective_cost_reporting,
        coalesce(converted_charges.has_missing_fx_rate, true) as has_missing_fx_rate,
        mapped_charges.source_file_id is not null as is_allocated,
        mapped_charges.service_id,
        mapped_charges.mapping_rule_id,
        mapped_charges.mapping_method,
        -- idle cost: the unused part of a commitment or a capacity reservation
        coalesce(
            charges.commitment_discount_status = 'Unused'
            or charges.capacity_reservation_status = 'Unused',
            false
        ) as is_idle_cost
    from charges
    left join converted_charges
        on {{ same_charge('charges', 'converted_charges') }}
    left join mapped_charges
        on {{ same_charge('charges', 'mapped_charges') }}
),

summed as (
    select
        {% for column in group_columns -%}
        {{ column }},
        {% endfor -%}
        sum(billed_cost) as billed_cost_billing,
        sum(effective_cost) as effective_cost_billing,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting,
        count(*) as charge_count,
        count(*) - count(billed_cost_reporting) as billed_cost_unconverted_count,
        count(*) - count(effective_cost_reporting) as effective_cost_unconverted_count,
        sum(case when has_missing_fx_rate then 1 else 0 end) as missing_fx_rate_count,
        sum(case when is_unknown_currency then 1 else 0 end) as unknown_currency_count,
        sum(case when has_null_contracted_cost then 1 else 0 end) as null_contracted_cost_count,
        sum(case when has_enum_case_error then 1 else 0 end) as enum_case_error_count,
        sum(case when has_unknown_enum_value then 1 else 0 end) as unknown_enum_value_count,
        sum(case when has_invalid_tags_json then 1 else 0 end) as invalid_tags_json_count,
        -- the smallest charge id per check
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
        {{ group_columns | join(',\n        ') }}
),

final as (
    select
        -- ids
        billing_account_id,
        invoice_id,
        service_id,
        mapping_rule_id,
        sample_unknown_currency_charge_id,
        sample_missing_fx_rate_charge_id,
        sample_null_contracted_cost_charge_id,
        sample_enum_case_error_charge_id,
        -- strings
        mapping_method,
        billing_currency,
        provider_name,
        charge_category,
        service_category,
        service_subcategory,
        commitment_discount_status,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(charge_count as bigint) as charge_count,
        cast(billed_cost_unconverted_count as bigint) as billed_cost_unconverted_count,
        cast(effective_cost_unconverted_count as bigint) as effective_cost_unconverted_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        cast(unknown_currency_count as bigint) as unknown_currency_count,
        cast(null_contracted_cost_count as bigint) as null_contracted_cost_count,
        cast(enum_case_error_count as bigint) as enum_case_error_count,
        cast(unknown_enum_value_count as bigint) as unknown_enum_value_count,
        cast(invalid_tags_json_count as bigint) as invalid_tags_json_count,
        -- booleans
        is_idle_cost,
        is_allocated,
        -- dates
        charge_date,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        billing_month
    from summed
)

select * from final

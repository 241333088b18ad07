-- The one pass over charge-level tables of the allocation: every later step works on these
-- groups (pool-month grain), so the cost of allocation does not grow with the line count.
{{ config(**month_incremental_config('billing_month')) }}
{#- a charge group: the charges alike in all the allocation reads -#}
{%- set group_columns = [
    'billing_month',
    'charge_date',
    'billing_currency',
    'provider_name',
    'charge_category',
    'service_category',
    'service_subcategory',
    'is_idle_cost',
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
        source_file_id,
        source_line,
        provider_name,
        charge_category,
        service_category,
        service_subcategory,
        commitment_discount_status,
        capacity_reservation_status,
        billing_currency,
        billed_cost,
        effective_cost,
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

charges_joined as (
    select
        charges.*,
        converted_charges.billed_cost_reporting,
        converted_charges.effective_cost_reporting,
        coalesce(converted_charges.has_missing_fx_rate, true) as has_missing_fx_rate,
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

-- A group with a charge lacking an FX rate has no reporting amount (null, not a partial sum):
-- the currency gate reports its month.
grouped as (
    select
        {% for column in group_columns -%}
        {{ column }},
        {% endfor -%}
        {{ sum_cost_amounts(missing_flag='has_missing_fx_rate', billing_suffix='') }},
        count(*) as charge_count,
        sum(case when has_missing_fx_rate then 1 else 0 end) as missing_fx_rate_count
    from charges_joined
    group by
        {{ group_columns | join(',\n        ') }}
),

final as (
    select
        -- ids
        coalesce(service_id, 'unallocated') as service_id,
        mapping_rule_id,
        -- strings
        'cloud' as source_type,
        mapping_method,
        billing_currency,
        provider_name,
        charge_category,
        service_category,
        service_subcategory,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(charge_count as bigint) as charge_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        -- booleans
        is_idle_cost,
        -- dates
        charge_date,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        billing_month
    from grouped
)

select * from final

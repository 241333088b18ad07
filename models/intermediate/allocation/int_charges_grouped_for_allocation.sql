-- The allocation's charge groups: every later step works on these groups (pool-month grain), so
-- the cost of allocation does not grow with the line count. Summed from the one pass over the
-- charge-level tables (int_charges_summed_for_allocation_and_checks).
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

{{ months_to_build_cte([ref('int_charges_summed_for_allocation_and_checks')]) }}

charges_summed as (
    select *
    from {{ ref('int_charges_summed_for_allocation_and_checks') }}
    {{ where_months_to_build() }}
),

-- A group with a charge lacking an FX rate has no reporting amount (null, not a partial sum):
-- the currency gate reports its month.
grouped as (
    select
        {% for column in group_columns -%}
        {{ column }},
        {% endfor -%}
        {{ sum_cost_amounts(missing_count='missing_fx_rate_count') }},
        sum(charge_count) as charge_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count
    from charges_summed
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

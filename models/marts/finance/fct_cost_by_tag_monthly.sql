-- Incremental by billing month like the charge-level models it reads: a build sums the months
-- conversion or the tags rebuilt (a masking rule is a seed: its change rebuilds every month).
{{ config(**month_incremental_config('billing_month')) }}
-- depends_on: {{ ref('stg_focus__charge_tags') }}

with

{{ months_to_build_cte([
    ref('int_charges_converted_to_reporting_currency'),
    ref('stg_focus__charge_tags'),
]) }}

charge_tags as (
    select * from {{ ref('int_charge_tags_masked') }}
    {{ where_months_to_build() }}
),

charges as (
    select * from {{ ref('int_charges_converted_to_reporting_currency') }}
    {{ where_months_to_build() }}
),

-- A charge counts once under each tag key it carries (a key's values add up to the cost of
-- the charges tagged with it, not to the month's cost).
tagged_charges as (
    select
        charges.billing_month,
        charges.billing_currency,
        charges.reporting_currency,
        charge_tags.tag_key,
        charge_tags.tag_value,
        charge_tags.masking_rule_id,
        charge_tags.is_tag_value_masked,
        charges.charge_id,
        charges.billed_cost,
        charges.effective_cost,
        charges.billed_cost_reporting,
        charges.effective_cost_reporting
    from charge_tags
    inner join charges
        on charge_tags.charge_id = charges.charge_id
),

monthly as (
    select
        billing_month,
        billing_currency,
        reporting_currency,
        tag_key,
        tag_value,
        min(masking_rule_id) as masking_rule_id,
        bool_or(is_tag_value_masked) as is_tag_value_masked,
        count(*) as charge_count,
        -- the reporting sums are null when a charge has no FX rate (never partial): the currency
        -- gate reports it
        {{ sum_cost_amounts(billing_suffix='') }}
    from tagged_charges
    group by billing_month, billing_currency, reporting_currency, tag_key, tag_value
),

final as (
    select
        -- dimensions
        cast(tag_key as string) as tag_key,
        cast(tag_value as string) as tag_value,
        cast(masking_rule_id as string) as masking_rule_id,
        cast(billing_currency as string) as billing_currency,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        cast(charge_count as bigint) as charge_count,
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        -- booleans
        cast(is_tag_value_masked as boolean) as is_tag_value_masked,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        cast(billing_month as date) as billing_month
    from monthly
)

select * from final

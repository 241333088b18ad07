-- Incremental by billing month like the charge-level models it reads: a build sums the months
-- conversion or the tags rebuilt (a masking rule is a seed: its change rebuilds every month).
{{ config(**month_incremental_config('billing_month')) }}
-- depends_on: {{ ref('stg_focus__tag_texts') }}

with

{{ months_to_build_cte([
    ref('int_charges_converted_to_reporting_currency'),
    ref('stg_focus__tag_texts'),
]) }}

charges as (
    select * from {{ ref('int_charges_converted_to_reporting_currency') }}
    {{ where_months_to_build() }}
),

charge_tags_texts as (
    select
        source_file_id,
        source_line,
        tags_json
    from {{ ref('stg_focus__charges') }}
    where tags_json is not null
    {%- if is_incremental() %}
        and billing_month in (select months_to_build.billing_month from months_to_build)
    {%- endif %}
),

-- A charge's tags depend on its Tags text alone (stg_focus__tag_texts explodes each distinct
-- text of a month once), so the charges are summed by Tags text first and joined to their
-- text's tags: a few rows per distinct text, not every tag of every charge.
charge_groups as (
    select
        charges.billing_month,
        charges.billing_currency,
        charges.reporting_currency,
        charge_tags_texts.tags_json,
        count(*) as charge_count,
        {{ sum_cost_amounts(billing_suffix='') }}
    from charges
    inner join charge_tags_texts
        on {{ same_charge('charges', 'charge_tags_texts') }}
    group by
        charges.billing_month,
        charges.billing_currency,
        charges.reporting_currency,
        charge_tags_texts.tags_json
),

text_tags as (
    select * from {{ ref('int_tag_texts_masked') }}
    {{ where_months_to_build() }}
),

-- A charge counts once under each tag key it carries (a key's values add up to the cost of
-- the charges tagged with it, not to the month's cost).
tagged_groups as (
    select
        charge_groups.billing_month,
        charge_groups.billing_currency,
        charge_groups.reporting_currency,
        text_tags.tag_key,
        text_tags.tag_value,
        text_tags.masking_rule_id,
        text_tags.is_tag_value_masked,
        charge_groups.charge_count,
        charge_groups.billed_cost_billing,
        charge_groups.effective_cost_billing,
        charge_groups.billed_cost_reporting,
        charge_groups.effective_cost_reporting
    from charge_groups
    inner join text_tags
        on
            charge_groups.billing_month = text_tags.billing_month
            and charge_groups.tags_json = text_tags.tags_json
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
        sum(charge_count) as charge_count,
        -- the reporting sums are null when a charge has no FX rate (never partial): the currency
        -- gate reports it
        {{ sum_cost_amounts() }}
    from tagged_groups
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

-- One row per normalized tag key and value (compared lower-cased and trimmed, as tag mapping
-- rules compare them): the charges and effective cost (reporting currency) carrying it, and its
-- rank within the key by cost. `tag_value` is the most costly spelling seen.
with

charges as (
    select
        charge_id,
        effective_cost_reporting
    from {{ ref('int_charges_profiled_for_onboarding') }}
),

charge_tags as (
    select * from {{ ref('int_charge_tags_deduplicated_by_key') }}
),

spellings_summed as (
    select
        charge_tags.tag_key,
        charge_tags.tag_value_key,
        charge_tags.tag_value,
        count(*) as charge_count,
        sum(charges.effective_cost_reporting) as effective_cost_reporting
    from charge_tags
    inner join charges
        on charge_tags.charge_id = charges.charge_id
    group by
        charge_tags.tag_key,
        charge_tags.tag_value_key,
        charge_tags.tag_value
),

spellings_ranked as (
    select
        *,
        row_number() over (
            partition by tag_key, tag_value_key
            order by coalesce(effective_cost_reporting, 0) desc, charge_count desc, tag_value asc
        ) as spelling_order
    from spellings_summed
),

values_summed as (
    select
        tag_key,
        tag_value_key,
        max(case when spelling_order = 1 then tag_value end) as tag_value,
        sum(charge_count) as charge_count,
        sum(effective_cost_reporting) as effective_cost_reporting
    from spellings_ranked
    group by
        tag_key,
        tag_value_key
),

values_ranked as (
    select
        *,
        row_number() over (
            partition by tag_key
            order by coalesce(effective_cost_reporting, 0) desc, tag_value_key
        ) as value_rank
    from values_summed
),

final as (
    select
        -- strings
        tag_key,
        tag_value_key,
        tag_value,
        -- numerics
        cast(value_rank as integer) as value_rank,
        cast(charge_count as bigint) as charge_count,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting
    from values_ranked
)

select * from final

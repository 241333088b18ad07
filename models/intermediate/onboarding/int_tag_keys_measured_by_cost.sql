-- One row per normalized tag key (aliases applied, seed tag_key_aliases): the charges and the
-- effective cost (reporting currency) that carry it with a value, its share of all cost, its
-- distinct values, and for the keys that name an owner (seed owner_tag_keys) their rank by the
-- cost they cover.
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

owner_tag_keys as (
    select * from {{ ref('owner_tag_keys') }}
),

total_cost as (
    select sum(effective_cost_reporting) as effective_cost_reporting
    from charges
),

keys_summed as (
    select
        charge_tags.tag_key,
        count(*) as charge_count,
        count(distinct charge_tags.tag_value_key) as distinct_value_count,
        sum(charges.effective_cost_reporting) as covered_cost_reporting
    from charge_tags
    inner join charges
        on charge_tags.charge_id = charges.charge_id
    group by charge_tags.tag_key
),

keys_joined as (
    select
        keys_summed.*,
        owner_tag_keys.owner_kind,
        owner_tag_keys.preference,
        total_cost.effective_cost_reporting as total_cost_reporting
    from keys_summed
    cross join total_cost
    left join owner_tag_keys
        on keys_summed.tag_key = owner_tag_keys.tag_key
),

keys_ranked as (
    select
        *,
        row_number() over (
            order by
                coalesce(covered_cost_reporting, 0) desc,
                coalesce(preference, 2147483647),
                tag_key
        ) as key_rank,
        case
            when owner_kind is not null
                then row_number() over (
                        partition by owner_kind is not null
                        order by coalesce(covered_cost_reporting, 0) desc, preference, tag_key asc
                    )
        end as owner_key_rank
    from keys_joined
),

final as (
    select
        -- strings
        tag_key,
        owner_kind,
        -- numerics
        cast(key_rank as integer) as key_rank,
        cast(owner_key_rank as integer) as owner_key_rank,
        cast(charge_count as bigint) as charge_count,
        cast(distinct_value_count as bigint) as distinct_value_count,
        cast(covered_cost_reporting as decimal(38, 12)) as covered_cost_reporting,
        {{ decimal_divide('covered_cost_reporting', 'total_cost_reporting', 10) }}
            as covered_share,
        -- booleans
        owner_kind is not null as is_owner_key
    from keys_ranked
)

select * from final

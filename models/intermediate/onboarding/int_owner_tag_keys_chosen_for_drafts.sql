-- One row per tag key that names an owner (seed owner_tag_keys) and covers cost: whether
-- `tbm discover --write` drafts a mapping rule from it. Keys are taken in rank order (cost
-- covered, then preference); each charge counts for the first key it carries, so a key's
-- marginal cost is what it adds to the keys before it. A key is drafted while the cost the keys
-- before it leave uncovered is above var('onboarding_max_unallocated_share') (the allocation
-- gate's threshold, passed by `tbm discover`) and it adds cost.
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

owner_keys as (
    select
        tag_key,
        owner_kind,
        owner_key_rank,
        covered_cost_reporting,
        covered_share
    from {{ ref('int_tag_keys_measured_by_cost') }}
    where is_owner_key
),

total_cost as (
    select sum(effective_cost_reporting) as effective_cost_reporting
    from charges
),

-- the best-ranked owner key of each charge
charge_owner_keys_ranked as (
    select
        charge_tags.charge_id,
        owner_keys.tag_key,
        row_number() over (
            partition by charge_tags.charge_id
            order by owner_keys.owner_key_rank
        ) as key_order
    from charge_tags
    inner join owner_keys
        on charge_tags.tag_key = owner_keys.tag_key
),

marginal_costs as (
    select
        charge_owner_keys_ranked.tag_key,
        sum(charges.effective_cost_reporting) as marginal_cost_reporting
    from charge_owner_keys_ranked
    inner join charges
        on charge_owner_keys_ranked.charge_id = charges.charge_id
    where charge_owner_keys_ranked.key_order = 1
    group by charge_owner_keys_ranked.tag_key
),

keys_accumulated as (
    select
        owner_keys.*,
        coalesce(marginal_costs.marginal_cost_reporting, 0) as marginal_cost_reporting,
        coalesce(
            sum(marginal_costs.marginal_cost_reporting) over (
                order by owner_keys.owner_key_rank
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as covered_before_cost_reporting,
        total_cost.effective_cost_reporting as total_cost_reporting
    from owner_keys
    cross join total_cost
    left join marginal_costs
        on owner_keys.tag_key = marginal_costs.tag_key
),

keys_shared as (
    select
        *,
        {{ decimal_divide(
            'total_cost_reporting - covered_before_cost_reporting', 'total_cost_reporting', 10
        ) }} as uncovered_before_share,
        {{ decimal_divide('marginal_cost_reporting', 'total_cost_reporting', 10) }}
            as marginal_share
    from keys_accumulated
),

final as (
    select
        -- strings
        tag_key,
        owner_kind,
        -- numerics
        owner_key_rank,
        cast(covered_cost_reporting as decimal(38, 12)) as covered_cost_reporting,
        covered_share,
        cast(marginal_cost_reporting as decimal(38, 12)) as marginal_cost_reporting,
        marginal_share,
        uncovered_before_share,
        -- booleans
        (
            marginal_cost_reporting > 0
            and uncovered_before_share
            > cast({{ var('onboarding_max_unallocated_share') }} as decimal(38, 10))
        ) as is_drafted
    from keys_shared
)

select * from final

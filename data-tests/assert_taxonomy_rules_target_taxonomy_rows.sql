-- Every taxonomy rule targets a cost sub-pool of tbm_cost_pools or a sub-tower of tbm_towers,
-- so classified costs always carry TBM taxonomy names. Fails with each rule whose target is
-- not in the taxonomy seeds.
with

cost_pool_rules as (
    select * from {{ ref('cost_pool_rules') }}
),

tower_rules as (
    select * from {{ ref('tower_rules') }}
),

cost_pools as (
    select * from {{ ref('tbm_cost_pools') }}
),

towers as (
    select * from {{ ref('tbm_towers') }}
)

select
    'cost_pool_rules' as rule_seed,
    cost_pool_rules.rule_id,
    cost_pool_rules.cost_pool as rule_target,
    cost_pool_rules.cost_sub_pool as rule_sub_target
from cost_pool_rules
left join cost_pools
    on
        cost_pool_rules.cost_pool = cost_pools.cost_pool
        and cost_pool_rules.cost_sub_pool = cost_pools.cost_sub_pool
where cost_pools.cost_pool is null

union all

select
    'tower_rules' as rule_seed,
    tower_rules.rule_id,
    tower_rules.tower as rule_target,
    tower_rules.sub_tower as rule_sub_target
from tower_rules
left join towers
    on
        tower_rules.tower = towers.tower
        and tower_rules.sub_tower = towers.sub_tower
where towers.tower is null

-- For every shared pool instance (pool, billing month, billing currency, source, taxonomy slice,
-- idle) the parts, on services or on `unallocated` (no driver data), sum exactly to the pool:
-- the sum of the cost lines that entered it, billed and effective, in the billing and in the
-- reporting currency (where every line of the pool has an FX rate). Fails with each instance
-- that differs.
{% set pool_instance = [
    'shared_pool_id',
    'billing_month',
    'billing_currency',
    'source_type',
    'cost_pool',
    'cost_sub_pool',
    'tower',
    'sub_tower',
    'is_idle_cost',
] -%}
{%- set amounts = [
    'billed_cost_billing',
    'effective_cost_billing',
    'billed_cost_reporting',
    'effective_cost_reporting',
] -%}

with

pool_lines as (
    select * from {{ ref('int_cost_lines_assigned_to_pools') }}
    where allocation_assignment = 'pool'
),

pool_parts as (
    select * from {{ ref('int_shared_pools_allocated_to_services') }}
),

-- the cost lines of each pool instance (side `pool`) and its parts (side `parts`), summed
sides as (
    select
        'pool' as side,
        {{ pool_instance | join(', ') }},
        {{ amounts | join(', ') }},
        missing_fx_rate_count
    from pool_lines
    union all
    select
        'parts' as side,
        {{ pool_instance | join(', ') }},
        {{ amounts | join(', ') }},
        0 as missing_fx_rate_count
    from pool_parts
),

sides_summed as (
    select
        side,
        {{ pool_instance | join(', ') }},
        {% for amount in amounts -%}
        sum({{ amount }}) as {{ amount }},
        {% endfor -%}
        sum(missing_fx_rate_count) as missing_fx_rate_count
    from sides
    group by side, {{ pool_instance | join(', ') }}
),

pools as (
    select * from sides_summed
    where side = 'pool'
),

parts as (
    select * from sides_summed
    where side = 'parts'
)

select
    coalesce(pools.shared_pool_id, parts.shared_pool_id) as shared_pool_id,
    coalesce(pools.billing_month, parts.billing_month) as billing_month,
    coalesce(pools.billing_currency, parts.billing_currency) as billing_currency,
    coalesce(pools.source_type, parts.source_type) as source_type,
    coalesce(pools.cost_pool, parts.cost_pool) as cost_pool,
    coalesce(pools.tower, parts.tower) as tower,
    pools.effective_cost_billing as pool_effective_cost_billing,
    parts.effective_cost_billing as parts_effective_cost_billing,
    pools.effective_cost_reporting as pool_effective_cost_reporting,
    parts.effective_cost_reporting as parts_effective_cost_reporting
from pools
full outer join parts
    on
    {% for column in pool_instance -%}
        {{ 'and ' if not loop.first }}pools.{{ column }} = parts.{{ column }}
    {% endfor %}
where
    pools.shared_pool_id is null
    or parts.shared_pool_id is null
    or pools.billed_cost_billing <> parts.billed_cost_billing
    or pools.effective_cost_billing <> parts.effective_cost_billing
    or (
        pools.missing_fx_rate_count = 0
        and (
            pools.billed_cost_reporting <> parts.billed_cost_reporting
            or pools.effective_cost_reporting <> parts.effective_cost_reporting
        )
    )

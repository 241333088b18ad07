-- Shared pools distributed to business services, per month at pool grain: a pool instance is
-- (pool, billing month, billing currency, source, taxonomy slice, idle), its amounts the sum of
-- its cost lines; the largest-remainder macro splits each amount over the services by the
-- pool's driver weights (int_shared_pool_drivers_measured_by_month), exactly. A pool instance
-- whose driver has no data for the month stays whole on `unallocated` (no_driver_data).
{#- the columns that identify a pool instance -#}
{%- set pool_keys = [
    'shared_pool_id',
    'billing_month',
    'billing_currency',
    'source_type',
    'cost_pool',
    'cost_sub_pool',
    'tower',
    'sub_tower',
    'is_idle_cost',
] %}

with

cost_lines as (
    select * from {{ ref('int_cost_lines_assigned_to_pools') }}
    where allocation_assignment = 'pool'
),

pools_by_month as (
    select * from {{ ref('int_shared_pools_defined_by_month') }}
),

driver_weights as (
    select * from {{ ref('int_shared_pool_drivers_measured_by_month') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

-- a pool instance with a line lacking an FX rate has no reporting amount (null, not partial)
pool_instances as (
    select
        {% for key in pool_keys -%}
        {{ key }},
        {% endfor -%}
        {{ sum_cost_amounts(missing_count='missing_fx_rate_count') }},
        sum(line_count) as line_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count
    from cost_lines
    group by
        {{ pool_keys | join(',\n        ') }}
),

pool_receivers as (
    select
        {% for key in pool_keys -%}
        pool_instances.{{ key }},
        {% endfor -%}
        driver_weights.service_id,
        driver_weights.service_valid_from,
        driver_weights.driver_weight
    from pool_instances
    inner join driver_weights
        on
            pool_instances.shared_pool_id = driver_weights.pool_id
            and pool_instances.billing_month = driver_weights.billing_month
),

pool_parts as (
    {{ allocate_cost_amounts(
        pools='pool_instances',
        receivers='pool_receivers',
        pool_keys=pool_keys,
        receiver_keys=['service_id', 'service_valid_from'],
        weight_column='driver_weight',
        currencies='currencies',
    ) }}
),

allocated_instances as (
    select distinct
        {{ pool_keys | join(',\n        ') }}
    from pool_parts
),

parts_and_unallocated as (
    select
        {% for key in pool_keys -%}
        pool_parts.{{ key }},
        {% endfor -%}
        pool_parts.service_id,
        pool_parts.service_valid_from,
        cast(null as string) as unallocated_reason,
        pool_parts.billed_cost_billing,
        pool_parts.effective_cost_billing,
        pool_parts.billed_cost_reporting,
        pool_parts.effective_cost_reporting,
        pool_parts.driver_weight
    from pool_parts

    union all

    -- the driver has no data for the month: visible, never spread silently
    select
        {% for key in pool_keys -%}
        pool_instances.{{ key }},
        {% endfor -%}
        'unallocated' as service_id,
        cast('1900-01-01' as date) as service_valid_from,
        'no_driver_data' as unallocated_reason,
        pool_instances.billed_cost_billing,
        pool_instances.effective_cost_billing,
        pool_instances.billed_cost_reporting,
        pool_instances.effective_cost_reporting,
        cast(null as decimal(38, 12)) as driver_weight
    from pool_instances
    left join allocated_instances
        on
            {% for key in pool_keys[:-1] -%}
            pool_instances.{{ key }} = allocated_instances.{{ key }}
            and
            {% endfor -%}
            pool_instances.{{ pool_keys[-1] }} = allocated_instances.{{ pool_keys[-1] }}
    where allocated_instances.shared_pool_id is null
),

final as (
    select
        -- ids
        parts_and_unallocated.service_id,
        parts_and_unallocated.shared_pool_id as allocation_rule_id,
        parts_and_unallocated.shared_pool_id,
        -- strings
        parts_and_unallocated.source_type,
        case
            when parts_and_unallocated.unallocated_reason is not null then 'unallocated'
            else 'shared_' || pools_by_month.driver_type
        end as allocation_method,
        parts_and_unallocated.unallocated_reason,
        pools_by_month.driver_type,
        pools_by_month.driver_metric,
        parts_and_unallocated.billing_currency,
        parts_and_unallocated.cost_pool,
        parts_and_unallocated.cost_sub_pool,
        parts_and_unallocated.tower,
        parts_and_unallocated.sub_tower,
        -- numerics
        cast(parts_and_unallocated.billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(parts_and_unallocated.effective_cost_billing as decimal(38, 12))
            as effective_cost_billing,
        cast(parts_and_unallocated.billed_cost_reporting as decimal(38, 12))
            as billed_cost_reporting,
        cast(parts_and_unallocated.effective_cost_reporting as decimal(38, 12))
            as effective_cost_reporting,
        cast(parts_and_unallocated.driver_weight as decimal(38, 12)) as driver_weight,
        -- booleans
        parts_and_unallocated.is_idle_cost,
        -- dates
        parts_and_unallocated.billing_month,
        parts_and_unallocated.service_valid_from
    from parts_and_unallocated
    inner join pools_by_month
        on
            parts_and_unallocated.shared_pool_id = pools_by_month.pool_id
            and parts_and_unallocated.billing_month = pools_by_month.billing_month
)

select * from final

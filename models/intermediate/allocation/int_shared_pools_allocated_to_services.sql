-- Shared pools distributed to business services, per month at pool grain: a pool instance is
-- (pool, billing month, billing currency, source, taxonomy slice, idle), its amounts the sum of
-- its cost lines; the largest-remainder macro splits each amount over the services by the
-- pool's driver weights (int_shared_pool_drivers_measured_by_month), exactly. A pool instance
-- whose driver has no data for the month stays whole on `unallocated` (no_driver_data).
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
pool_instances_summed as (
    select
        shared_pool_id,
        billing_month,
        billing_currency,
        source_type,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        is_idle_cost,
        sum(billed_cost_billing) as billed_cost_billing,
        sum(effective_cost_billing) as effective_cost_billing,
        {{ fx_safe_sum('billed_cost_reporting', missing_count='missing_fx_rate_count') }}
            as billed_cost_reporting,
        {{ fx_safe_sum('effective_cost_reporting', missing_count='missing_fx_rate_count') }}
            as effective_cost_reporting,
        sum(line_count) as line_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count
    from cost_lines
    group by
        shared_pool_id,
        billing_month,
        billing_currency,
        source_type,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        is_idle_cost
),

pool_instances as (
    select
        pool_instances_summed.*,
        billing_currencies.minor_units as billing_minor_units,
        reporting_currencies.minor_units as reporting_minor_units
    from pool_instances_summed
    left join currencies as billing_currencies
        on pool_instances_summed.billing_currency = billing_currencies.currency_code
    left join currencies as reporting_currencies
        on reporting_currencies.currency_code = '{{ reporting_currency() }}'
),

pool_receivers as (
    select
        pool_instances.shared_pool_id,
        pool_instances.billing_month,
        pool_instances.billing_currency,
        pool_instances.source_type,
        pool_instances.cost_pool,
        pool_instances.cost_sub_pool,
        pool_instances.tower,
        pool_instances.sub_tower,
        pool_instances.is_idle_cost,
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
    {{ allocate_largest_remainder(
        pools='pool_instances',
        receivers='pool_receivers',
        pool_keys=[
            'shared_pool_id',
            'billing_month',
            'billing_currency',
            'source_type',
            'cost_pool',
            'cost_sub_pool',
            'tower',
            'sub_tower',
            'is_idle_cost',
        ],
        receiver_keys=['service_id', 'service_valid_from'],
        weight_column='driver_weight',
        amount_columns=[
            'billed_cost_billing',
            'effective_cost_billing',
            'billed_cost_reporting',
            'effective_cost_reporting',
        ],
        decimals={
            'billed_cost_billing': 'billing_minor_units',
            'effective_cost_billing': 'billing_minor_units',
            'billed_cost_reporting': 'reporting_minor_units',
            'effective_cost_reporting': 'reporting_minor_units',
        },
    ) }}
),

allocated_instances as (
    select distinct
        shared_pool_id,
        billing_month,
        billing_currency,
        source_type,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        is_idle_cost
    from pool_parts
),

parts_and_unallocated as (
    select
        pool_parts.shared_pool_id,
        pool_parts.billing_month,
        pool_parts.billing_currency,
        pool_parts.source_type,
        pool_parts.cost_pool,
        pool_parts.cost_sub_pool,
        pool_parts.tower,
        pool_parts.sub_tower,
        pool_parts.is_idle_cost,
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
        pool_instances.shared_pool_id,
        pool_instances.billing_month,
        pool_instances.billing_currency,
        pool_instances.source_type,
        pool_instances.cost_pool,
        pool_instances.cost_sub_pool,
        pool_instances.tower,
        pool_instances.sub_tower,
        pool_instances.is_idle_cost,
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
            pool_instances.shared_pool_id = allocated_instances.shared_pool_id
            and pool_instances.billing_month = allocated_instances.billing_month
            and pool_instances.billing_currency = allocated_instances.billing_currency
            and pool_instances.source_type = allocated_instances.source_type
            and pool_instances.cost_pool = allocated_instances.cost_pool
            and pool_instances.cost_sub_pool = allocated_instances.cost_sub_pool
            and pool_instances.tower = allocated_instances.tower
            and pool_instances.sub_tower = allocated_instances.sub_tower
            and pool_instances.is_idle_cost = allocated_instances.is_idle_cost
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

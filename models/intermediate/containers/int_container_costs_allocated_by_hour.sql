-- A cluster's node cost of each day split to its pods per hour, the way OpenCost allocates:
-- each hour gets 1/24 of the day; within the hour a pod's share of the CPU capacity is the larger
-- of its CPU request and use over the cluster's cores (memory likewise), and its weight is the
-- cost-weighted mean of the two shares (container_clusters' cpu_cost_weight and
-- memory_cost_weight). What no pod claims is the hour's `idle` line. When the pods claim more
-- than the capacity, the claims are the capacity (idle 0). An hour without usage rows is idle
-- whole. The largest-remainder macro splits each day's amounts over these (hour, pod) weights,
-- so the parts of a cluster day sum exactly to its node cost.
{%- set pool_keys = ['cluster_name', 'cost_date', 'billing_currency'] %}

with

node_costs as (
    select * from {{ ref('int_cluster_node_costs_summed_by_day') }}
),

clusters as (
    select
        cluster_name,
        cpu_cores,
        memory_gib,
        {{ decimal_share('cpu_cost_weight', 'cpu_cost_weight + memory_cost_weight', 12) }}
            as cpu_cost_share,
        {{ decimal_share('memory_cost_weight', 'cpu_cost_weight + memory_cost_weight', 12) }}
            as memory_cost_share
    from {{ ref('container_clusters') }}
),

usage_hours as (
    select * from {{ ref('stg_telemetry__container_usage_hours') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

hour_numbers as (
    {{ dbt.generate_series(24) }}
),

-- the 24 hours of every day with node cost
cluster_hours as (
    select
        node_costs.cluster_name,
        node_costs.cost_date,
        node_costs.billing_currency,
        -- the interval in parentheses: Spark's dateadd multiplies it by 3600 as written
        {{ dbt.dateadd(
            'hour', '(hour_numbers.generated_number - 1)', 'cast(node_costs.cost_date as timestamp)'
        ) }} as usage_hour
    from node_costs
    cross join hour_numbers
),

pod_claims as (
    select
        cluster_name,
        usage_hour,
        usage_date as cost_date,
        namespace,
        pod_name,
        service_id,
        cpu_cores_requested,
        cpu_cores_used,
        memory_gib_requested,
        memory_gib_used,
        greatest(coalesce(cpu_cores_requested, 0), coalesce(cpu_cores_used, 0))
            as cpu_cores_claimed,
        greatest(coalesce(memory_gib_requested, 0), coalesce(memory_gib_used, 0))
            as memory_gib_claimed
    from usage_hours
),

hour_claims as (
    select
        cluster_name,
        usage_hour,
        sum(cpu_cores_claimed) as cpu_cores_claimed,
        sum(memory_gib_claimed) as memory_gib_claimed
    from pod_claims
    group by
        cluster_name,
        usage_hour
),

-- capacity of the hour: the cluster's, or the pods' claims when they exceed it
hour_capacities as (
    select
        cluster_hours.cluster_name,
        cluster_hours.cost_date,
        cluster_hours.billing_currency,
        cluster_hours.usage_hour,
        clusters.cpu_cost_share,
        clusters.memory_cost_share,
        coalesce(hour_claims.cpu_cores_claimed, 0) as cpu_cores_claimed,
        coalesce(hour_claims.memory_gib_claimed, 0) as memory_gib_claimed,
        greatest(clusters.cpu_cores, coalesce(hour_claims.cpu_cores_claimed, 0))
            as cpu_cores_capacity,
        greatest(clusters.memory_gib, coalesce(hour_claims.memory_gib_claimed, 0))
            as memory_gib_capacity
    from cluster_hours
    inner join clusters
        on cluster_hours.cluster_name = clusters.cluster_name
    left join hour_claims
        on
            cluster_hours.cluster_name = hour_claims.cluster_name
            and cluster_hours.usage_hour = hour_claims.usage_hour
),

pod_lines as (
    select
        hour_capacities.cluster_name,
        hour_capacities.cost_date,
        hour_capacities.billing_currency,
        hour_capacities.usage_hour,
        pod_claims.namespace,
        pod_claims.pod_name,
        pod_claims.service_id,
        false as is_idle,
        pod_claims.cpu_cores_requested,
        pod_claims.cpu_cores_used,
        pod_claims.memory_gib_requested,
        pod_claims.memory_gib_used,
        {{ decimal_add(
            decimal_multiply(
                'hour_capacities.cpu_cost_share',
                decimal_share(
                    'pod_claims.cpu_cores_claimed', 'hour_capacities.cpu_cores_capacity', 12
                ),
                12
            ),
            decimal_multiply(
                'hour_capacities.memory_cost_share',
                decimal_share(
                    'pod_claims.memory_gib_claimed', 'hour_capacities.memory_gib_capacity', 12
                ),
                12
            )
        ) }} as hour_weight
    from hour_capacities
    inner join pod_claims
        on
            hour_capacities.cluster_name = pod_claims.cluster_name
            and hour_capacities.usage_hour = pod_claims.usage_hour
),

-- the capacity no pod claimed in the hour (its requests and use summed as the idle line's)
idle_lines as (
    select
        cluster_name,
        cost_date,
        billing_currency,
        usage_hour,
        '__idle__' as namespace,
        '__idle__' as pod_name,
        cast(null as string) as service_id,
        true as is_idle,
        cast(null as decimal(38, 12)) as cpu_cores_requested,
        cast(null as decimal(38, 12)) as cpu_cores_used,
        cast(null as decimal(38, 12)) as memory_gib_requested,
        cast(null as decimal(38, 12)) as memory_gib_used,
        {{ decimal_add(
            decimal_multiply(
                'cpu_cost_share',
                decimal_share(
                    decimal_subtract('cpu_cores_capacity', 'cpu_cores_claimed'),
                    'cpu_cores_capacity',
                    12
                ),
                12
            ),
            decimal_multiply(
                'memory_cost_share',
                decimal_share(
                    decimal_subtract('memory_gib_capacity', 'memory_gib_claimed'),
                    'memory_gib_capacity',
                    12
                ),
                12
            )
        ) }} as hour_weight
    from hour_capacities
),

receivers as (
    select * from pod_lines
    union all
    select * from idle_lines
),

allocated_parts as (
    {{ allocate_cost_amounts(
        pools='node_costs',
        receivers='receivers',
        pool_keys=pool_keys,
        receiver_keys=['usage_hour', 'namespace', 'pod_name'],
        weight_column='hour_weight',
        currencies='currencies',
    ) }}
),

final as (
    select
        -- ids
        receivers.cluster_name,
        receivers.namespace,
        receivers.pod_name,
        receivers.service_id,
        -- strings
        receivers.billing_currency,
        '{{ reporting_currency() }}' as reporting_currency,
        -- numerics
        receivers.cpu_cores_requested,
        receivers.cpu_cores_used,
        receivers.memory_gib_requested,
        receivers.memory_gib_used,
        receivers.hour_weight,
        allocated_parts.billed_cost_billing,
        allocated_parts.effective_cost_billing,
        allocated_parts.billed_cost_reporting,
        allocated_parts.effective_cost_reporting,
        -- booleans
        receivers.is_idle,
        -- dates
        receivers.cost_date,
        -- timestamps
        receivers.usage_hour
    from receivers
    inner join allocated_parts
        on
            receivers.cluster_name = allocated_parts.cluster_name
            and receivers.cost_date = allocated_parts.cost_date
            and receivers.billing_currency = allocated_parts.billing_currency
            and receivers.usage_hour = allocated_parts.usage_hour
            and receivers.namespace = allocated_parts.namespace
            and receivers.pod_name = allocated_parts.pod_name
)

select * from final

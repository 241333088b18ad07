-- Published with its contract (the model's yml names and types every column); the logic is
-- int_container_costs_allocated_by_hour, whose parts are summed over the billing currencies of
-- the cluster's node charges (one, in practice).
with

allocated as (
    select * from {{ ref('int_container_costs_allocated_by_hour') }}
),

final as (
    select
        usage_hour,
        cost_date,
        cluster_name,
        namespace,
        pod_name,
        service_id,
        is_idle,
        cpu_cores_requested,
        cpu_cores_used,
        memory_gib_requested,
        memory_gib_used,
        {{ fx_safe_sum('effective_cost_reporting') }} as allocated_cost_reporting,
        reporting_currency
    from allocated
    group by
        usage_hour,
        cost_date,
        cluster_name,
        namespace,
        pod_name,
        service_id,
        is_idle,
        cpu_cores_requested,
        cpu_cores_used,
        memory_gib_requested,
        memory_gib_used,
        reporting_currency
)

select * from final

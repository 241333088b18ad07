-- fct_unit_costs uses the figure fct_allocated_costs sums to: per service and billing month,
-- effective_cost_reporting equals the sum of fct_allocated_costs (null on both sides when a part
-- has no FX rate; 0 for a service with telemetry but no allocated cost), and per month the unit
-- costs' services add up to everything allocated except the `unallocated` bucket. Exact.
with

unit_costs as (
    select * from {{ ref('fct_unit_costs') }}
),

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

allocated_by_service as (
    select
        service_id,
        billing_month,
        {{ fx_safe_sum('effective_cost_reporting') }} as effective_cost_reporting
    from allocated_costs
    where service_id <> 'unallocated'
    group by
        service_id,
        billing_month
),

compared as (
    select
        coalesce(unit_costs.service_id, allocated_by_service.service_id) as service_id,
        coalesce(unit_costs.billing_month, allocated_by_service.billing_month) as billing_month,
        unit_costs.effective_cost_reporting as unit_costs_effective_cost,
        allocated_by_service.effective_cost_reporting as allocated_effective_cost,
        unit_costs.has_allocated_cost,
        unit_costs.service_id is not null as is_in_unit_costs,
        allocated_by_service.service_id is not null as is_allocated
    from unit_costs
    full outer join allocated_by_service
        on
            unit_costs.service_id = allocated_by_service.service_id
            and unit_costs.billing_month = allocated_by_service.billing_month
),

mismatches as (
    select * from compared
    where
        case
            -- an allocated service-month without its unit-cost row
            when not is_in_unit_costs then true
            -- exactly the allocated sum (null when a part has no FX rate)
            when is_allocated
                then
                    not has_allocated_cost
                    or unit_costs_effective_cost is distinct from allocated_effective_cost
            -- telemetry only: no allocated cost, shown as 0
            else has_allocated_cost or unit_costs_effective_cost <> 0
        end
)

select * from mismatches

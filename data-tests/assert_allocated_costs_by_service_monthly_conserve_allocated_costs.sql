-- marts.fct_allocated_costs_by_service_monthly conserves marts.fct_allocated_costs: each
-- (month, service, business unit) holds exactly the sum of its allocated rows' effective cost in
-- the reporting currency, and null where one of those rows has no FX rate (never a partial sum).
-- Returns the groups that differ.

with

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

by_service as (
    select * from {{ ref('fct_allocated_costs_by_service_monthly') }}
),

expected as (
    select
        billing_month,
        service_id,
        coalesce(business_unit, 'unallocated') as business_unit,
        case
            when count(*) = count(effective_cost_reporting) then sum(effective_cost_reporting)
        end as effective_cost_reporting,
        count(*) as allocated_row_count
    from allocated_costs
    group by
        billing_month,
        service_id,
        coalesce(business_unit, 'unallocated')
),

compared as (
    select
        coalesce(expected.billing_month, by_service.billing_month) as billing_month,
        coalesce(expected.service_id, by_service.service_id) as service_id,
        coalesce(expected.business_unit, by_service.business_unit) as business_unit,
        expected.effective_cost_reporting as expected_effective_cost_reporting,
        by_service.effective_cost_reporting,
        expected.allocated_row_count as expected_row_count,
        by_service.allocated_row_count
    from expected
    full outer join by_service
        on
            expected.billing_month = by_service.billing_month
            and expected.service_id = by_service.service_id
            and expected.business_unit = by_service.business_unit
)

select * from compared
where
    expected_effective_cost_reporting is distinct from effective_cost_reporting
    or expected_row_count is distinct from allocated_row_count

-- Every month's CI bill is split to the services without a cent lost or added: the services'
-- runner costs sum exactly to the bill. Fails with each month that differs.
with

parts as (
    select * from {{ ref('int_ci_runner_costs_allocated_to_services') }}
),

month_sums as (
    select
        billing_month,
        max(ci_bill_reporting) as ci_bill_reporting,
        sum(ci_runner_cost_reporting) as ci_runner_cost_reporting
    from parts
    group by billing_month
)

select * from month_sums
where ci_runner_cost_reporting <> ci_bill_reporting

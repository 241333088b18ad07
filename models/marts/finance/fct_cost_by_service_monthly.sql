-- Read from the allocation's charge groups (one pass over the charges, incremental by month), so
-- this mart does not scan the charge-level tables of every month on each build.
with

charge_groups as (
    select * from {{ ref('int_charges_grouped_for_allocation') }}
),

-- A group with a charge lacking an FX rate has no reporting total (null, not a partial sum);
-- the currency gate reports the month.
aggregated as (
    select
        billing_month,
        billing_currency,
        service_id,
        mapping_method,
        '{{ reporting_currency() }}' as reporting_currency,
        {{ sum_cost_amounts(missing_count='missing_fx_rate_count') }},
        sum(charge_count) as charge_count
    from charge_groups
    group by
        billing_month,
        billing_currency,
        service_id,
        mapping_method
),

final as (
    select
        -- dimensions
        cast(billing_month as date) as billing_month,
        cast(billing_currency as string) as billing_currency,
        cast(service_id as string) as service_id,
        cast(mapping_method as string) as mapping_method,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(charge_count as bigint) as charge_count
    from aggregated
)

select * from final

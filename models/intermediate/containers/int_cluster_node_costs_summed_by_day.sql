-- The node cost of each Kubernetes cluster per day: the current billing charges of the cluster's
-- provider, sub-account, service and resource type (container_clusters), summed per charge date
-- and billing currency. These are the same charges fct_allocated_costs allocates, so a cluster's
-- cost here ties to billing. Summed from the month-incremental node charges: a day can hold
-- charges of two billing months (a charge billed in the month after it was used).
with

node_charges as (
    select * from {{ ref('int_cluster_node_charges_summed_by_billing_month') }}
),

final as (
    select
        -- ids
        cluster_name,
        -- strings
        billing_currency,
        '{{ reporting_currency() }}' as reporting_currency,
        -- numerics: a day with a charge lacking an FX rate has no reporting amount
        {{ sum_cost_amounts(missing_count='missing_fx_rate_count') }},
        cast(sum(charge_count) as bigint) as charge_count,
        -- dates
        charge_date as cost_date
    from node_charges
    group by
        cluster_name,
        billing_currency,
        charge_date
)

select * from final

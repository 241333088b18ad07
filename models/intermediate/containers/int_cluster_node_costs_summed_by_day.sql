-- The node cost of each Kubernetes cluster per day: the current billing charges of the cluster's
-- provider, sub-account, service and resource type (container_clusters), summed per charge date
-- and billing currency. These are the same charges fct_allocated_costs allocates, so a cluster's
-- cost here ties to billing.
with

clusters as (
    select * from {{ ref('container_clusters') }}
),

charges as (
    select
        charge_id,
        provider_name,
        sub_account_id,
        service_name,
        resource_type,
        billing_currency,
        billed_cost,
        effective_cost,
        charge_date
    from {{ ref('stg_focus__charges') }}
),

converted_charges as (
    select
        charge_id,
        billed_cost_reporting,
        effective_cost_reporting,
        has_missing_fx_rate
    from {{ ref('int_charges_converted_to_reporting_currency') }}
),

node_charges as (
    select
        clusters.cluster_name,
        charges.charge_date,
        charges.billing_currency,
        charges.billed_cost,
        charges.effective_cost,
        converted_charges.billed_cost_reporting,
        converted_charges.effective_cost_reporting,
        converted_charges.has_missing_fx_rate
    from charges
    inner join clusters
        on
            charges.provider_name = clusters.provider_name
            and charges.sub_account_id = clusters.sub_account_id
            and charges.service_name = clusters.service_name
            and charges.resource_type = clusters.resource_type
    inner join converted_charges
        on charges.charge_id = converted_charges.charge_id
),

final as (
    select
        -- ids
        cluster_name,
        -- strings
        billing_currency,
        '{{ reporting_currency() }}' as reporting_currency,
        -- numerics: a day with a charge lacking an FX rate has no reporting amount
        {{ sum_cost_amounts(missing_flag='has_missing_fx_rate', billing_suffix='') }},
        count(*) as charge_count,
        -- dates
        charge_date as cost_date
    from node_charges
    group by
        cluster_name,
        billing_currency,
        charge_date
)

select * from final

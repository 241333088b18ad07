-- The node charges of each Kubernetes cluster summed per billing month, charge date and billing
-- currency: the current billing charges of the cluster's provider, sub-account, service and
-- resource type (container_clusters). Month-incremental, so a run that adds a month reads that
-- month's charges only; int_cluster_node_costs_summed_by_day sums these rows per day. The
-- reporting sums here are partial (nulls left out) and the charges lacking an FX rate are
-- counted: the day model decides what a missing rate makes of its total.
{{ config(**month_incremental_config('billing_month')) }}

with

-- the conversion rebuilds every month staging rebuilds (and the months whose rates changed):
-- its months are this model's, without a scan of staging's every month
{{ months_to_build_cte([ref('int_charges_converted_to_reporting_currency')]) }}

clusters as (
    select * from {{ ref('container_clusters') }}
),

charges as (
    select
        source_file_id,
        source_line,
        provider_name,
        sub_account_id,
        service_name,
        resource_type,
        billing_currency,
        billed_cost,
        effective_cost,
        charge_date,
        billing_month
    from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

converted_charges as (
    select
        source_file_id,
        source_line,
        billed_cost_reporting,
        effective_cost_reporting,
        has_missing_fx_rate
    from {{ ref('int_charges_converted_to_reporting_currency') }}
    {{ where_months_to_build() }}
),

node_charges as (
    select
        clusters.cluster_name,
        charges.billing_month,
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
        on {{ same_charge('charges', 'converted_charges') }}
),

summed as (
    select
        cluster_name,
        billing_currency,
        charge_date,
        billing_month,
        sum(billed_cost) as billed_cost_billing,
        sum(effective_cost) as effective_cost_billing,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting,
        count(*) as charge_count,
        sum(case when has_missing_fx_rate then 1 else 0 end) as missing_fx_rate_count
    from node_charges
    group by
        cluster_name,
        billing_currency,
        charge_date,
        billing_month
),

final as (
    select
        -- ids
        cluster_name,
        -- strings
        billing_currency,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(charge_count as bigint) as charge_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        -- dates
        charge_date,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        billing_month
    from summed
)

select * from final

-- The weight of each business service version in each shared pool and billing month, by the
-- pool's driver (seed shared_pools, definition of the month):
--   telemetry    sum of driver_metric over the version's days in the month;
--   even         the version's days in the month (equal per service, pro rata of days);
--   fixed        share_percent (pool_fixed_shares valid on the month start) x the version's days;
--   direct_cost  the version's own direct effective cost of the month in the reporting currency
--                (direct lines only: no shared part, no idle cost); negative counts as 0.
-- Only positive weights are kept: a pool with no row for a month has no driver data.
with

pools_by_month as (
    select * from {{ ref('int_shared_pools_defined_by_month') }}
),

service_versions as (
    select * from {{ ref('int_service_versions_split_by_month') }}
    where service_type = 'business'
),

service_metrics as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
),

fixed_shares as (
    select * from {{ ref('pool_fixed_shares') }}
),

direct_costs as (
    select * from {{ ref('int_direct_costs_attributed_to_service_versions') }}
    where allocation_method = 'direct'
),

-- telemetry: a day counts for the catalog version valid on it
metrics_by_version as (
    select
        service_versions.billing_month,
        service_versions.service_id,
        service_versions.service_valid_from,
        service_metrics.metric_name,
        sum(service_metrics.metric_value) as metric_value
    from service_metrics
    inner join service_versions
        on
            service_metrics.service_id = service_versions.service_id
            and service_metrics.usage_date >= service_versions.valid_from_in_month
            and service_metrics.usage_date < service_versions.valid_to_in_month
    group by
        service_versions.billing_month,
        service_versions.service_id,
        service_versions.service_valid_from,
        service_metrics.metric_name
),

telemetry_weights as (
    select
        pools_by_month.pool_id,
        pools_by_month.billing_month,
        metrics_by_version.service_id,
        metrics_by_version.service_valid_from,
        metrics_by_version.metric_value as driver_weight
    from pools_by_month
    inner join metrics_by_version
        on
            pools_by_month.billing_month = metrics_by_version.billing_month
            and pools_by_month.driver_metric = metrics_by_version.metric_name
    where pools_by_month.driver_type = 'telemetry'
),

even_weights as (
    select
        pools_by_month.pool_id,
        pools_by_month.billing_month,
        service_versions.service_id,
        service_versions.service_valid_from,
        service_versions.days_valid as driver_weight
    from pools_by_month
    inner join service_versions
        on pools_by_month.billing_month = service_versions.billing_month
    where pools_by_month.driver_type = 'even'
),

fixed_weights as (
    select
        pools_by_month.pool_id,
        pools_by_month.billing_month,
        service_versions.service_id,
        service_versions.service_valid_from,
        fixed_shares.share_percent * service_versions.days_valid as driver_weight
    from pools_by_month
    inner join fixed_shares
        on
            pools_by_month.pool_id = fixed_shares.pool_id
            and {{ is_valid_on('fixed_shares', 'pools_by_month.billing_month') }}
    inner join service_versions
        on
            fixed_shares.service_id = service_versions.service_id
            and pools_by_month.billing_month = service_versions.billing_month
    where pools_by_month.driver_type = 'fixed'
),

direct_costs_by_version as (
    select
        billing_month,
        service_id,
        service_valid_from,
        sum(effective_cost_reporting) as direct_effective_cost_reporting
    from direct_costs
    group by
        billing_month,
        service_id,
        service_valid_from
),

direct_cost_weights as (
    select
        pools_by_month.pool_id,
        pools_by_month.billing_month,
        service_versions.service_id,
        service_versions.service_valid_from,
        direct_costs_by_version.direct_effective_cost_reporting as driver_weight
    from pools_by_month
    inner join direct_costs_by_version
        on pools_by_month.billing_month = direct_costs_by_version.billing_month
    -- business services only
    inner join service_versions
        on
            direct_costs_by_version.service_id = service_versions.service_id
            and direct_costs_by_version.service_valid_from = service_versions.service_valid_from
            and direct_costs_by_version.billing_month = service_versions.billing_month
    where pools_by_month.driver_type = 'direct_cost'
),

weights as (
    select * from telemetry_weights
    union all
    select * from even_weights
    union all
    select * from fixed_weights
    union all
    select * from direct_cost_weights
),

final as (
    select
        -- ids
        weights.pool_id,
        weights.service_id,
        -- strings
        pools_by_month.driver_type,
        pools_by_month.driver_metric,
        -- numerics
        cast(weights.driver_weight as decimal(38, 12)) as driver_weight,
        -- dates
        weights.billing_month,
        weights.service_valid_from
    from weights
    inner join pools_by_month
        on
            weights.pool_id = pools_by_month.pool_id
            and weights.billing_month = pools_by_month.billing_month
    where weights.driver_weight > 0
)

select * from final

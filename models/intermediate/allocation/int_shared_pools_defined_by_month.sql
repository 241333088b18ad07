-- The definition of each shared pool that applies to each billing month: the row of seed
-- shared_pools valid on the first day of the month (a pool is allocated once per month, so a
-- driver change takes effect from a month start).
with

shared_pools as (
    select * from {{ ref('shared_pools') }}
),

billing_months as (
    select distinct billing_month from {{ ref('int_service_versions_split_by_month') }}
),

final as (
    select
        -- ids
        shared_pools.pool_id,
        -- strings
        shared_pools.pool_name,
        shared_pools.pool_kind,
        shared_pools.driver_type,
        shared_pools.driver_metric,
        -- dates
        billing_months.billing_month
    from shared_pools
    inner join billing_months
        on
            {{ is_valid_on('shared_pools', 'billing_months.billing_month') }}
)

select * from final

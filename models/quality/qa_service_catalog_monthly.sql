with

costs as (
    select * from {{ ref('fct_cost_by_service_monthly') }}
),

services as (
    select * from {{ ref('dim_services') }}
),

unallocated_buckets as (
    select distinct service_id
    from services
    where is_unallocated_bucket
),

-- A service has cost in a month when the mart has a row for it (the `unallocated` bucket is
-- not a service and has no owner by design).
service_months as (
    select distinct
        costs.billing_month,
        costs.service_id
    from costs
    where costs.service_id not in (select unallocated_buckets.service_id from unallocated_buckets)
),

-- Every catalog row in effect during the month must name an owner and a business unit; a
-- service without any row in effect during the month is not in the catalog for that month.
catalog_rows_in_month as (
    select
        service_months.billing_month,
        service_months.service_id,
        services.service_id is not null as is_in_catalog,
        (
            services.service_id is not null
            and coalesce(trim(services.owner), '') <> ''
            and coalesce(trim(services.business_unit), '') <> ''
        ) as is_owned
    from service_months
    left join services
        on
            service_months.service_id = services.service_id
            and {{ is_valid_during(
                'services',
                'service_months.billing_month',
                dbt.dateadd('month', 1, 'service_months.billing_month'),
            ) }}
),

services_checked as (
    select
        billing_month,
        service_id,
        min(case when is_owned then 1 else 0 end) = 0 as is_unowned,
        max(case when is_in_catalog then 1 else 0 end) = 0 as is_missing_from_catalog
    from catalog_rows_in_month
    group by
        billing_month,
        service_id
),

monthly as (
    select
        billing_month,
        count(*) as service_count,
        sum(case when is_unowned then 1 else 0 end) as unowned_service_count,
        sum(case when is_missing_from_catalog then 1 else 0 end) as missing_service_count,
        {{ string_agg_sorted("case when is_unowned then service_id end", "', '") }}
            as unowned_service_ids
    from services_checked
    group by billing_month
),

final as (
    select
        -- dimensions
        billing_month,
        -- numerics
        cast(service_count as bigint) as service_count,
        cast(unowned_service_count as bigint) as unowned_service_count,
        cast(missing_service_count as bigint) as missing_service_count,
        -- strings
        unowned_service_ids
    from monthly
)

select * from final

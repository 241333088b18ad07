with

billing as (
    select * from {{ ref('stg_focus__billing_file_rows') }}
),

files as (
    select * from {{ ref('stg_load__files') }}
),

-- A delivery: what one file brought for one (provider, billing account, billing period),
-- counted over raw (superseded snapshots included).
deliveries as (
    select
        source_file_id as file_id,
        provider_name,
        billing_account_id,
        cast(billing_period_start as date) as billing_period_start,
        count(*) as row_count
    from billing
    group by
        source_file_id,
        provider_name,
        billing_account_id,
        cast(billing_period_start as date)
),

deliveries_in_order as (
    select
        deliveries.*,
        lag(deliveries.file_id) over (
            partition by
                deliveries.provider_name,
                deliveries.billing_account_id,
                deliveries.billing_period_start
            order by deliveries.file_id
        ) as previous_file_id,
        lag(deliveries.row_count) over (
            partition by
                deliveries.provider_name,
                deliveries.billing_account_id,
                deliveries.billing_period_start
            order by deliveries.file_id
        ) as previous_row_count,
        max(deliveries.file_id) over (
            partition by
                deliveries.provider_name,
                deliveries.billing_account_id,
                deliveries.billing_period_start
        ) as current_file_id
    from deliveries
),

final as (
    select
        -- ids
        files.file_path || ' ' || coalesce(deliveries_in_order.provider_name, '?') || ' '
        || deliveries_in_order.billing_account_id || ' '
        || cast(deliveries_in_order.billing_period_start as string) as delivery,
        deliveries_in_order.file_id,
        deliveries_in_order.previous_file_id,
        deliveries_in_order.billing_account_id,
        -- strings
        files.file_path,
        deliveries_in_order.provider_name,
        -- numerics
        cast(deliveries_in_order.row_count as bigint) as row_count,
        cast(deliveries_in_order.previous_row_count as bigint) as previous_row_count,
        case
            when deliveries_in_order.previous_row_count > 0
                then {{ decimal_divide(
                    'deliveries_in_order.row_count', 'deliveries_in_order.previous_row_count', 6
                ) }}
        end as row_ratio_to_previous,
        -- booleans
        deliveries_in_order.file_id = deliveries_in_order.current_file_id as is_current,
        -- dates
        deliveries_in_order.billing_period_start,
        cast(
            date_trunc('month', deliveries_in_order.billing_period_start) as date
        ) as billing_month,
        -- timestamps
        files.loaded_at
    from deliveries_in_order
    left join files
        on deliveries_in_order.file_id = files.file_id
)

select * from final

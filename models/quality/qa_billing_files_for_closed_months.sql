with

files as (
    select * from {{ ref('stg_load__files') }}
),

charges as (
    select * from {{ ref('stg_focus__charges') }}
),

closed_months as (
    select * from {{ ref('int_allocated_costs_compared_to_closed_months') }}
),

current_closes as (
    select * from {{ ref('stg_closed__current_closes') }}
),

next_open_months as (
    select distinct
        billing_month,
        next_open_month
    from closed_months
),

file_months as (
    select
        source_file_id,
        billing_month,
        billing_currency,
        count(*) as charge_count,
        sum(billed_cost) as billed_cost_billing
    from charges
    group by source_file_id, billing_month, billing_currency
),

-- Current billing of a closed month that arrived after the close: it never rewrites the closed
-- figures; what it changes is booked as adjustments in the next open month.
late_file_months as (
    select
        files.file_id,
        files.run_id,
        files.file_path,
        current_closes.close_id,
        current_closes.closed_by,
        file_months.billing_currency,
        file_months.charge_count,
        file_months.billed_cost_billing,
        current_closes.closed_at,
        files.loaded_at,
        file_months.billing_month,
        next_open_months.next_open_month
    from file_months
    inner join files
        on file_months.source_file_id = files.file_id
    inner join current_closes
        on file_months.billing_month = current_closes.billing_month
    left join next_open_months
        on file_months.billing_month = next_open_months.billing_month
    where files.loaded_at > current_closes.closed_at
),

final as (
    select
        -- ids
        cast(file_id as bigint) as file_id,
        cast(run_id as string) as run_id,
        cast(close_id as string) as close_id,
        -- strings
        cast(file_path as string) as file_path,
        cast(closed_by as string) as closed_by,
        cast(billing_currency as string) as billing_currency,
        -- numerics
        cast(charge_count as bigint) as charge_count,
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        -- timestamps
        cast(closed_at as timestamp) as closed_at,
        cast(loaded_at as timestamp) as loaded_at,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(next_open_month as date) as next_open_month
    from late_file_months
)

select * from final

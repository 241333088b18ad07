with

current_closes as (
    select * from {{ ref('stg_closed__current_closes') }}
),

closed_allocated_costs as (
    select * from {{ ref('stg_closed__allocated_costs') }}
),

allocated_costs as (
    select * from {{ ref('int_allocated_costs_summed_by_service_version') }}
),

closed_rows_in_force as (
    select closed_allocated_costs.*
    from closed_allocated_costs
    inner join current_closes
        on closed_allocated_costs.close_id = current_closes.close_id
),

-- the figures the current data gives for the closed months
would_be_rows as (
    select allocated_costs.*
    from allocated_costs
    inner join current_closes
        on allocated_costs.billing_month = current_closes.billing_month
),

closed_by_service as (
    select
        billing_month,
        billing_currency,
        service_id,
        sum(billed_cost_billing) as billed_cost_billing,
        sum(effective_cost_billing) as effective_cost_billing,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting
    from closed_rows_in_force
    group by billing_month, billing_currency, service_id
),

would_be_by_service as (
    select
        billing_month,
        billing_currency,
        service_id,
        sum(billed_cost_billing) as billed_cost_billing,
        sum(effective_cost_billing) as effective_cost_billing,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting
    from would_be_rows
    group by billing_month, billing_currency, service_id
),

-- Reporting amounts without an FX rate (null) count as 0 on either side.
compared as (
    select
        coalesce(closed_by_service.billing_month, would_be_by_service.billing_month)
            as billing_month,
        coalesce(closed_by_service.billing_currency, would_be_by_service.billing_currency)
            as billing_currency,
        coalesce(closed_by_service.service_id, would_be_by_service.service_id) as service_id,
        coalesce(closed_by_service.billed_cost_billing, 0) as closed_billed_cost_billing,
        coalesce(closed_by_service.effective_cost_billing, 0) as closed_effective_cost_billing,
        coalesce(closed_by_service.billed_cost_reporting, 0) as closed_billed_cost_reporting,
        coalesce(closed_by_service.effective_cost_reporting, 0) as closed_effective_cost_reporting,
        coalesce(would_be_by_service.billed_cost_billing, 0) as would_be_billed_cost_billing,
        coalesce(would_be_by_service.effective_cost_billing, 0) as would_be_effective_cost_billing,
        coalesce(would_be_by_service.billed_cost_reporting, 0) as would_be_billed_cost_reporting,
        coalesce(would_be_by_service.effective_cost_reporting, 0)
            as would_be_effective_cost_reporting
    from closed_by_service
    full outer join would_be_by_service
        on
            closed_by_service.billing_month = would_be_by_service.billing_month
            and closed_by_service.billing_currency = would_be_by_service.billing_currency
            and closed_by_service.service_id = would_be_by_service.service_id
),

differences as (
    select
        *,
        {{ decimal_subtract('would_be_billed_cost_billing', 'closed_billed_cost_billing') }}
            as adjustment_billed_cost_billing,
        {{ decimal_subtract('would_be_effective_cost_billing', 'closed_effective_cost_billing') }}
            as adjustment_effective_cost_billing,
        {{ decimal_subtract('would_be_billed_cost_reporting', 'closed_billed_cost_reporting') }}
            as adjustment_billed_cost_reporting,
        {{ decimal_subtract(
            'would_be_effective_cost_reporting', 'closed_effective_cost_reporting'
        ) }} as adjustment_effective_cost_reporting
    from compared
),

-- The next open month of a closed month: the first later month that is not closed.
candidate_months as (
    select cast(billing_month + interval 1 month as date) as billing_month
    from current_closes
    union
    select distinct billing_month from allocated_costs
),

open_months as (
    select candidate_months.billing_month
    from candidate_months
    left join current_closes
        on candidate_months.billing_month = current_closes.billing_month
    where current_closes.billing_month is null
),

next_open_months as (
    select
        current_closes.billing_month,
        min(open_months.billing_month) as next_open_month
    from current_closes
    inner join open_months
        on current_closes.billing_month < open_months.billing_month
    group by current_closes.billing_month
),

final as (
    select
        -- ids
        cast(differences.service_id as string) as service_id,
        cast(current_closes.close_id as string) as close_id,
        -- strings
        cast(differences.billing_currency as string) as billing_currency,
        -- numerics
        cast(differences.closed_billed_cost_billing as decimal(38, 12))
            as closed_billed_cost_billing,
        cast(differences.closed_effective_cost_billing as decimal(38, 12))
            as closed_effective_cost_billing,
        cast(differences.closed_billed_cost_reporting as decimal(38, 12))
            as closed_billed_cost_reporting,
        cast(differences.closed_effective_cost_reporting as decimal(38, 12))
            as closed_effective_cost_reporting,
        cast(differences.would_be_billed_cost_billing as decimal(38, 12))
            as would_be_billed_cost_billing,
        cast(differences.would_be_effective_cost_billing as decimal(38, 12))
            as would_be_effective_cost_billing,
        cast(differences.would_be_billed_cost_reporting as decimal(38, 12))
            as would_be_billed_cost_reporting,
        cast(differences.would_be_effective_cost_reporting as decimal(38, 12))
            as would_be_effective_cost_reporting,
        cast(differences.adjustment_billed_cost_billing as decimal(38, 12))
            as adjustment_billed_cost_billing,
        cast(differences.adjustment_effective_cost_billing as decimal(38, 12))
            as adjustment_effective_cost_billing,
        cast(differences.adjustment_billed_cost_reporting as decimal(38, 12))
            as adjustment_billed_cost_reporting,
        cast(differences.adjustment_effective_cost_reporting as decimal(38, 12))
            as adjustment_effective_cost_reporting,
        -- dates
        cast(differences.billing_month as date) as billing_month,
        cast(next_open_months.next_open_month as date) as next_open_month
    from differences
    inner join current_closes
        on differences.billing_month = current_closes.billing_month
    left join next_open_months
        on differences.billing_month = next_open_months.billing_month
)

select * from final

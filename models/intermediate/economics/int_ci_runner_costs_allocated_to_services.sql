-- The CI bill of each month split to the services by their runner minutes: the month's price
-- per runner minute is the bill / all runner minutes, and each service's part is its minutes at
-- that price, by largest remainder so that the parts add up to the bill exactly (metric M10).
with

ci_runner_invoices as (
    select * from {{ ref('ci_runner_invoices') }}
),

invoice_months as (
    select * from {{ ref('int_invoice_lines_amortized_to_months') }}
),

service_metric_days as (
    select * from {{ ref('int_service_days_unpivoted_to_metrics') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

-- The bill: the effective (amortized) part of the month of every line of a CI invoice
-- (reporting currency; null when a line has no FX rate, never a partial sum).
ci_bills as (
    select
        invoice_months.billing_month,
        {{ fx_safe_sum('invoice_months.effective_cost_reporting') }} as ci_bill_reporting
    from invoice_months
    inner join ci_runner_invoices
        on
            invoice_months.vendor_name = ci_runner_invoices.vendor_name
            and (
                ci_runner_invoices.product is null
                or invoice_months.product = ci_runner_invoices.product
            )
    group by invoice_months.billing_month
),

runner_minutes as (
    select
        service_id,
        usage_month as billing_month,
        sum(metric_value) as ci_runner_minutes
    from service_metric_days
    where metric_name = 'ci_runner_minutes'
    group by
        service_id,
        usage_month
),

month_minutes as (
    select
        billing_month,
        sum(ci_runner_minutes) as month_runner_minutes
    from runner_minutes
    group by billing_month
),

bill_pools as (
    select
        ci_bills.billing_month,
        ci_bills.ci_bill_reporting,
        currencies.minor_units as reporting_minor_units
    from ci_bills
    left join currencies
        on currencies.currency_code = '{{ reporting_currency() }}'
),

allocated as (
    {{ allocate_largest_remainder(
        pools='bill_pools',
        receivers='runner_minutes',
        pool_keys=['billing_month'],
        receiver_keys=['service_id'],
        weight_column='ci_runner_minutes',
        amount_columns=['ci_bill_reporting'],
        decimals={'ci_bill_reporting': 'reporting_minor_units'},
        weight_scale=2,
    ) }}
),

final as (
    select
        -- ids
        allocated.service_id,
        -- numerics
        cast(allocated.ci_runner_minutes as decimal(38, 12)) as ci_runner_minutes,
        cast(month_minutes.month_runner_minutes as decimal(38, 12)) as month_runner_minutes,
        cast(ci_bills.ci_bill_reporting as decimal(38, 12)) as ci_bill_reporting,
        cast(allocated.ci_bill_reporting as decimal(38, 12)) as ci_runner_cost_reporting,
        cast(
            {{ decimal_divide('ci_bills.ci_bill_reporting', 'month_minutes.month_runner_minutes') }}
            as decimal(38, 12)
        ) as price_per_runner_minute_reporting,
        -- dates
        allocated.billing_month
    from allocated
    inner join ci_bills
        on allocated.billing_month = ci_bills.billing_month
    inner join month_minutes
        on allocated.billing_month = month_minutes.billing_month
)

select * from final

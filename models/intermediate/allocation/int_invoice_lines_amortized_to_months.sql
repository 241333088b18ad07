-- The effective (amortized) view of SaaS and vendor invoice lines: each line's amount spread
-- over the months of its service period in proportion to its days in each month (largest
-- remainder: the parts sum exactly to the line, in whole minor units when the line is), while
-- the billed (cash) view keeps the whole amount in the line's first month, as FOCUS does for a
-- commitment purchase.
with

invoice_lines as (
    select * from {{ ref('int_invoice_lines_converted_to_reporting_currency') }}
),

digits as (
    {% for digit in range(10) -%}
    select {{ digit }} as digit
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}
),

-- 0 to 999 months: enough for any service period
month_offsets as (
    select units.digit + 10 * tens.digit + 100 * hundreds.digit as month_offset
    from digits as units
    cross join digits as tens
    cross join digits as hundreds
),

-- A service period ends after it starts; a line whose end is not after its start counts as its
-- first day only.
lines_with_periods as (
    select
        invoice_id,
        invoice_line_id,
        amount_billing,
        amount_reporting,
        billing_minor_units,
        reporting_minor_units,
        service_period_start,
        service_month,
        case
            when service_period_end > service_period_start then service_period_end
            else cast({{ dbt.dateadd('day', 1, 'service_period_start') }} as date)
        end as service_period_end
    from invoice_lines
),

lines_with_month_counts as (
    select
        *,
        {{ dbt.datediff(
            'service_month',
            "cast(date_trunc('month', " ~ dbt.dateadd('day', -1, 'service_period_end')
            ~ ") as date)",
            'month'
        ) }} as last_month_offset
    from lines_with_periods
),

line_months as (
    select
        lines_with_month_counts.*,
        month_offsets.month_offset,
        cast({{ dbt.dateadd(
            'month', 'month_offsets.month_offset', 'lines_with_month_counts.service_month'
        ) }} as date) as billing_month
    from lines_with_month_counts
    inner join month_offsets
        on lines_with_month_counts.last_month_offset >= month_offsets.month_offset
),

line_month_bounds as (
    select
        *,
        case
            when service_period_start > billing_month then service_period_start
            else billing_month
        end as service_days_from,
        case
            when service_period_end < cast({{ dbt.dateadd('month', 1, 'billing_month') }} as date)
                then service_period_end
            else cast({{ dbt.dateadd('month', 1, 'billing_month') }} as date)
        end as service_days_to
    from line_months
),

line_month_days as (
    select
        *,
        {{ dbt.datediff('service_days_from', 'service_days_to', 'day') }} as service_days -- noqa: LT05
    from line_month_bounds
),

amortization_pools as (
    select
        invoice_id,
        invoice_line_id,
        amount_billing as effective_cost_billing,
        amount_reporting as effective_cost_reporting,
        billing_minor_units,
        reporting_minor_units
    from invoice_lines
),

amortization_receivers as (
    select
        invoice_id,
        invoice_line_id,
        billing_month,
        service_days
    from line_month_days
),

amortized as (
    {{ allocate_largest_remainder(
        pools='amortization_pools',
        receivers='amortization_receivers',
        pool_keys=['invoice_id', 'invoice_line_id'],
        receiver_keys=['billing_month'],
        weight_column='service_days',
        amount_columns=['effective_cost_billing', 'effective_cost_reporting'],
        decimals={
            'effective_cost_billing': 'billing_minor_units',
            'effective_cost_reporting': 'reporting_minor_units',
        },
    ) }}
),

final as (
    select
        -- ids
        line_month_days.invoice_id,
        line_month_days.invoice_line_id,
        -- strings
        invoice_lines.invoice_type,
        invoice_lines.vendor_name,
        invoice_lines.product,
        invoice_lines.billing_currency,
        invoice_lines.reporting_currency,
        -- numerics: billed = cash, in the first month; effective = amortized by days
        case
            when line_month_days.month_offset = 0 then invoice_lines.amount_billing
            else cast(0 as decimal(38, 12))
        end as billed_cost_billing,
        cast(amortized.effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        case
            when line_month_days.month_offset = 0 then invoice_lines.amount_reporting
            when invoice_lines.amount_reporting is not null then cast(0 as decimal(38, 12))
        end as billed_cost_reporting,
        cast(amortized.effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(line_month_days.service_days as integer) as service_days,
        cast(line_month_days.month_offset as integer) as month_offset,
        -- booleans
        invoice_lines.has_missing_fx_rate,
        line_month_days.last_month_offset > 0 as is_amortized,
        -- dates
        line_month_days.billing_month,
        invoice_lines.service_period_start,
        invoice_lines.service_period_end,
        line_month_days.service_days_from,
        line_month_days.service_days_to
    from line_month_days
    inner join invoice_lines
        on
            line_month_days.invoice_id = invoice_lines.invoice_id
            and line_month_days.invoice_line_id = invoice_lines.invoice_line_id
    left join amortized
        on
            line_month_days.invoice_id = amortized.invoice_id
            and line_month_days.invoice_line_id = amortized.invoice_line_id
            and line_month_days.billing_month = amortized.billing_month
)

select * from final

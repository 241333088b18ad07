with

invoices as (
    select * from {{ source('raw', 'invoices') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

-- An invoice line delivered again in a later file (a re-issued invoice) replaces the earlier one.
lines_ranked_by_file as (
    select
        *,
        row_number() over (
            partition by invoice_id, invoice_line_id
            order by _file_id desc, _line desc
        ) as delivery_rank
    from invoices
),

current_lines as (
    select * from lines_ranked_by_file
    where delivery_rank = 1
),

lines_checked_against_currencies as (
    select
        current_lines.*,
        currencies.currency_code is null as is_unknown_currency,
        -- more decimals than the currency allows (ISO 4217 minor units: 0, 2, 3 or 4)
        coalesce(
            case currencies.minor_units
                {% for units in range(0, 5) -%}
                when {{ units }}
                    then current_lines.amount <> round(current_lines.amount, {{ units }})
                {% endfor -%}
            end,
            false
        ) as has_excess_precision
    from current_lines
    left join currencies
        on current_lines.currency = currencies.currency_code
),

renamed as (
    select
        -- ids
        invoice_id,
        invoice_line_id,
        _file_id as source_file_id,
        _line as source_line,
        billing_account_id,
        -- strings
        invoice_type,
        vendor_name,
        product,
        description as line_description,
        currency as billing_currency,
        _extra_columns as extra_columns_json,
        -- numerics
        cast(amount as decimal(38, 12)) as amount_billing,
        quantity,
        -- booleans
        is_unknown_currency,
        has_excess_precision,
        -- dates
        invoice_date,
        service_period_start,
        service_period_end,
        cast(date_trunc('month', service_period_start) as date) as service_month
    from lines_checked_against_currencies
)

select * from renamed

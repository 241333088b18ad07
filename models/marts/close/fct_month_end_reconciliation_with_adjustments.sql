with

reconciliation as (
    select * from {{ ref('fct_month_end_reconciliation') }}
),

compared as (
    select * from {{ ref('int_reconciliation_compared_to_closed_months') }}
),

closed_months as (
    select distinct billing_month from compared
),

{% set amounts = [
    'invoice_total_billing',
    'billed_cost_billing',
    'allocated_cost_billing',
    'invoice_total_reporting',
    'billed_cost_reporting',
    'allocated_cost_reporting',
] %}

-- open months: the reconciliation of the current data
open_month_rows as (
    select
        reconciliation.reconciliation_id,
        reconciliation.invoice_id,
        reconciliation.billing_account_id,
        reconciliation.provider_name,
        reconciliation.billing_currency,
        reconciliation.reporting_currency,
        reconciliation.reconciliation_status,
        {% for amount in amounts -%}
        reconciliation.{{ amount }},
        {% endfor -%}
        'current' as row_type,
        reconciliation.billing_month,
        cast(null as date) as adjusted_month
    from reconciliation
    left join closed_months
        on reconciliation.billing_month = closed_months.billing_month
    where closed_months.billing_month is null
),

-- closed months: the reconciliation frozen at the close
closed_month_rows as (
    select
        reconciliation_id,
        invoice_id,
        billing_account_id,
        provider_name,
        billing_currency,
        reporting_currency,
        closed_reconciliation_status as reconciliation_status,
        {% for amount in amounts -%}
        closed_{{ amount }} as {{ amount }},
        {% endfor -%}
        'closed' as row_type,
        billing_month,
        cast(null as date) as adjusted_month
    from compared
    where is_in_closed_figures
),

-- what changed in a closed month's reconciliation since its close, booked in the next open
-- month; its status is the one the current data gives the closed month
adjustment_rows as (
    select
        reconciliation_id,
        invoice_id,
        billing_account_id,
        provider_name,
        billing_currency,
        reporting_currency,
        would_be_reconciliation_status as reconciliation_status,
        {% for amount in amounts -%}
        adjustment_{{ amount }} as {{ amount }},
        {% endfor -%}
        'adjustment' as row_type,
        next_open_month as billing_month,
        billing_month as adjusted_month
    from compared
    where next_open_month is not null and is_restated
),

unioned as (
    select * from open_month_rows
    union all
    select * from closed_month_rows
    union all
    select * from adjustment_rows
),

final as (
    select
        -- ids
        cast(reconciliation_id as string) as reconciliation_id,
        cast(invoice_id as string) as invoice_id,
        cast(billing_account_id as string) as billing_account_id,
        -- strings
        cast(provider_name as string) as provider_name,
        cast(billing_currency as string) as billing_currency,
        cast(reporting_currency as string) as reporting_currency,
        cast(reconciliation_status as string) as reconciliation_status,
        cast(row_type as string) as row_type,
        -- numerics
        {% for amount in amounts -%}
        cast({{ amount }} as decimal(38, 12)) as {{ amount }},
        {% endfor -%}
        -- dates
        cast(billing_month as date) as billing_month,
        cast(adjusted_month as date) as adjusted_month
    from unioned
)

select * from final

{%- set tolerances = var('reconciliation_tolerances') -%}

with

invoices as (
    select * from {{ ref('int_cloud_invoices_converted_to_reporting_currency') }}
),

billing_totals as (
    select * from {{ ref('int_billing_lines_totaled_by_invoice') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

-- Billing lines without an InvoiceId belong to the one invoice of their provider, billing
-- account, month and currency (none when there are several: they stay on their own row).
single_invoices_per_account_month as (
    select
        vendor_name,
        billing_account_id,
        billing_month,
        billing_currency,
        min(invoice_id) as invoice_id
    from invoices
    group by
        vendor_name,
        billing_account_id,
        billing_month,
        billing_currency
    having count(*) = 1
),

billing_assigned_to_invoices as (
    select
        billing_totals.provider_name,
        billing_totals.billing_account_id,
        billing_totals.billing_month,
        billing_totals.billing_currency,
        billing_totals.billed_cost_billing,
        billing_totals.billed_cost_reporting,
        billing_totals.allocated_cost_billing,
        billing_totals.allocated_cost_reporting,
        billing_totals.charge_count,
        coalesce(
            billing_totals.invoice_id, single_invoices_per_account_month.invoice_id
        ) as invoice_id,
        -- the invoice, else the provider, billing account, month and currency
        coalesce(
            billing_totals.invoice_id,
            single_invoices_per_account_month.invoice_id,
            billing_totals.provider_name || '|' || billing_totals.billing_account_id || '|'
            || cast(billing_totals.billing_month as string) || '|'
            || billing_totals.billing_currency
        ) as reconciliation_id
    from billing_totals
    left join single_invoices_per_account_month
        on
            billing_totals.invoice_id is null
            and billing_totals.provider_name = single_invoices_per_account_month.vendor_name
            and billing_totals.billing_account_id
            = single_invoices_per_account_month.billing_account_id
            and billing_totals.billing_month = single_invoices_per_account_month.billing_month
            and billing_totals.billing_currency
            = single_invoices_per_account_month.billing_currency
),

billing_keyed as (
    select
        reconciliation_id,
        invoice_id,
        provider_name,
        billing_account_id,
        billing_currency,
        min(billing_month) as billing_month,
        sum(billed_cost_billing) as billed_cost_billing,
        {{ fx_safe_sum('billed_cost_reporting') }} as billed_cost_reporting,
        sum(allocated_cost_billing) as allocated_cost_billing,
        {{ fx_safe_sum('allocated_cost_reporting') }} as allocated_cost_reporting,
        sum(charge_count) as charge_count
    from billing_assigned_to_invoices
    group by
        reconciliation_id,
        invoice_id,
        provider_name,
        billing_account_id,
        billing_currency
),

invoices_and_billing_joined as (
    select
        coalesce(
            billing_keyed.reconciliation_id, invoices.invoice_id
        ) as reconciliation_id,
        coalesce(invoices.invoice_id, billing_keyed.invoice_id) as invoice_id,
        coalesce(invoices.vendor_name, billing_keyed.provider_name) as provider_name,
        coalesce(
            invoices.billing_account_id, billing_keyed.billing_account_id
        ) as billing_account_id,
        coalesce(invoices.billing_currency, billing_keyed.billing_currency) as billing_currency,
        coalesce(invoices.billing_month, billing_keyed.billing_month) as billing_month,
        invoices.invoice_date,
        invoices.invoice_total_billing,
        invoices.invoice_total_reporting,
        invoices.fx_rate as invoice_fx_rate,
        billing_keyed.billed_cost_billing,
        billing_keyed.billed_cost_reporting,
        billing_keyed.allocated_cost_billing,
        billing_keyed.allocated_cost_reporting,
        coalesce(billing_keyed.charge_count, 0) as charge_count
    from invoices
    full outer join billing_keyed
        on
            invoices.invoice_id = billing_keyed.reconciliation_id
            and invoices.billing_currency = billing_keyed.billing_currency
),

-- An invoice is in the currency's minor units: the billing total is compared rounded to them
-- (each branch cast: DuckDB would otherwise give the case the scale of its first branch).
rounded_and_toleranced as (
    select
        invoices_and_billing_joined.*,
        case currencies.minor_units
            {% for units in range(0, 5) -%}
            when {{ units }}
                then cast(
                        round(invoices_and_billing_joined.billed_cost_billing, {{ units }})
                        as decimal(38, 12)
                    )
            {% endfor -%}
            else cast(
                    round(invoices_and_billing_joined.billed_cost_billing, 2) as decimal(38, 12)
                )
        end as billed_cost_rounded_billing,
        case invoices_and_billing_joined.billing_currency
            {% for currency, tolerance in tolerances.items() if currency != 'default' -%}
            when '{{ currency | upper }}' then {{ tolerance }}
            {% endfor -%}
            else {{ tolerances['default'] }}
        end as tolerance_billing
    from invoices_and_billing_joined
    left join currencies
        on invoices_and_billing_joined.billing_currency = currencies.currency_code
),

deltas as (
    select
        *,
        {{ decimal_subtract('invoice_total_billing', 'billed_cost_rounded_billing') }}
            as invoice_delta_billing,
        {{ decimal_subtract('allocated_cost_billing', 'billed_cost_billing') }}
            as allocation_delta_billing,
        -- the delta at the invoice-date rate: the FX difference between that rate and the
        -- charge-date rates of billed_cost_reporting is not a reconciliation difference
        {{ decimal_multiply(
            decimal_subtract('invoice_total_billing', 'billed_cost_rounded_billing'),
            'invoice_fx_rate'
        ) }} as invoice_delta_reporting,
        {{ decimal_subtract('allocated_cost_reporting', 'billed_cost_reporting') }}
            as allocation_delta_reporting
    from rounded_and_toleranced
),

statuses as (
    select
        *,
        case
            when billed_cost_billing is null then 'invoice_without_billing'
            when invoice_total_billing is null then 'missing_invoice'
            when invoice_delta_billing = 0 and allocation_delta_billing = 0 then 'matched'
            when
                abs(invoice_delta_billing) <= tolerance_billing
                and abs(allocation_delta_billing) <= tolerance_billing
                then 'within_tolerance'
            else 'mismatch'
        end as reconciliation_status
    from deltas
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
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        cast(reconciliation_status as string) as reconciliation_status,
        -- numerics: billing currency
        cast(invoice_total_billing as decimal(38, 12)) as invoice_total_billing,
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(billed_cost_rounded_billing as decimal(38, 12)) as billed_cost_rounded_billing,
        cast(allocated_cost_billing as decimal(38, 12)) as allocated_cost_billing,
        cast(invoice_delta_billing as decimal(38, 12)) as invoice_delta_billing,
        cast(allocation_delta_billing as decimal(38, 12)) as allocation_delta_billing,
        cast(tolerance_billing as decimal(38, 12)) as tolerance_billing,
        -- numerics: reporting currency
        cast(invoice_fx_rate as decimal(38, 12)) as invoice_fx_rate,
        cast(invoice_total_reporting as decimal(38, 12)) as invoice_total_reporting,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(allocated_cost_reporting as decimal(38, 12)) as allocated_cost_reporting,
        cast(invoice_delta_reporting as decimal(38, 12)) as invoice_delta_reporting,
        cast(allocation_delta_reporting as decimal(38, 12)) as allocation_delta_reporting,
        cast(charge_count as bigint) as charge_count,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(invoice_date as date) as invoice_date
    from statuses
)

select * from final

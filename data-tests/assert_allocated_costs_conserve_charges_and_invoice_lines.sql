-- Conservation of the allocation, to the last decimal (decimal(38, 12), no tolerance):
-- * per billing month and billing currency, fct_allocated_costs adds up to the current charges
--   of staging plus the SaaS and vendor invoice lines (billed: the whole line in its first
--   month; effective: its amortized parts), in the billing currency, billed and effective;
-- * per billing month, likewise in the reporting currency, for every month whose charges and
--   lines all have an FX rate (a month with a missing rate fails the currency gate instead).
-- Fails with one row per check, month (and currency) that differs, with both sums.
with

charges as (
    select
        billing_month,
        billing_currency,
        billed_cost,
        effective_cost
    from {{ ref('stg_focus__charges') }}
),

converted_charges as (
    select * from {{ ref('int_charges_converted_to_reporting_currency') }}
),

invoice_months as (
    select * from {{ ref('int_invoice_lines_amortized_to_months') }}
),

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

source_amounts_billing as (
    select
        billing_month,
        billing_currency,
        billed_cost as billed_cost_billing,
        effective_cost as effective_cost_billing
    from charges
    union all
    select
        billing_month,
        billing_currency,
        billed_cost_billing,
        effective_cost_billing
    from invoice_months
),

expected_billing as (
    select
        billing_month,
        billing_currency,
        sum(billed_cost_billing) as billed_cost,
        sum(effective_cost_billing) as effective_cost
    from source_amounts_billing
    group by
        billing_month,
        billing_currency
),

actual_billing as (
    select
        billing_month,
        billing_currency,
        sum(billed_cost_billing) as billed_cost,
        sum(effective_cost_billing) as effective_cost
    from allocated_costs
    group by
        billing_month,
        billing_currency
),

source_amounts_reporting as (
    select
        billing_month,
        billed_cost_reporting,
        effective_cost_reporting,
        has_missing_fx_rate
    from converted_charges
    union all
    select
        billing_month,
        billed_cost_reporting,
        effective_cost_reporting,
        has_missing_fx_rate
    from invoice_months
),

expected_reporting as (
    select
        billing_month,
        sum(billed_cost_reporting) as billed_cost,
        sum(effective_cost_reporting) as effective_cost
    from source_amounts_reporting
    group by billing_month
    having max(case when has_missing_fx_rate then 1 else 0 end) = 0
),

actual_reporting as (
    select
        billing_month,
        sum(billed_cost_reporting) as billed_cost,
        sum(effective_cost_reporting) as effective_cost
    from allocated_costs
    group by billing_month
),

differences as (
    select
        'billing currency' as checked_in,
        coalesce(expected_billing.billing_month, actual_billing.billing_month) as billing_month,
        coalesce(
            expected_billing.billing_currency, actual_billing.billing_currency
        ) as billing_currency,
        expected_billing.billed_cost as expected_billed_cost,
        actual_billing.billed_cost as allocated_billed_cost,
        expected_billing.effective_cost as expected_effective_cost,
        actual_billing.effective_cost as allocated_effective_cost
    from expected_billing
    full outer join actual_billing
        on
            expected_billing.billing_month = actual_billing.billing_month
            and expected_billing.billing_currency = actual_billing.billing_currency

    union all

    select
        'reporting currency' as checked_in,
        expected_reporting.billing_month,
        cast(null as string) as billing_currency,
        expected_reporting.billed_cost as expected_billed_cost,
        actual_reporting.billed_cost as allocated_billed_cost,
        expected_reporting.effective_cost as expected_effective_cost,
        actual_reporting.effective_cost as allocated_effective_cost
    from expected_reporting
    left join actual_reporting
        on expected_reporting.billing_month = actual_reporting.billing_month
)

select * from differences
where
    expected_billed_cost is distinct from allocated_billed_cost
    or expected_effective_cost is distinct from allocated_effective_cost

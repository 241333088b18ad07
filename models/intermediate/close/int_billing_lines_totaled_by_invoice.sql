-- Cloud billing lines (FOCUS) totaled per invoice: by InvoiceId where the provider sets it, else
-- per provider, billing account, billing month and currency (invoice_id null). Incremental by
-- month like the charge sums it reads: a build totals the months they rebuilt.
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('int_charges_summed_for_allocation_and_checks')]) }}

-- the current charges, summed (int_charges_summed_for_allocation_and_checks); is_allocated: the
-- charges the allocation received (each is mapped to a service or to `unallocated`)
charges_summed as (
    select *
    from {{ ref('int_charges_summed_for_allocation_and_checks') }}
    {{ where_months_to_build() }}
),

-- A total with a charge lacking an FX rate has no reporting amount (null, not a partial sum).
totaled as (
    select
        invoice_id,
        provider_name,
        billing_account_id,
        billing_currency,
        billing_month,
        sum(billed_cost_billing) as billed_cost_billing,
        {{ fx_safe_sum(
            'billed_cost_reporting', missing_count='billed_cost_unconverted_count'
        ) }} as billed_cost_reporting,
        sum(case when is_allocated then billed_cost_billing else 0 end)
            as allocated_cost_billing,
        {{ fx_safe_sum(
            'case when is_allocated then billed_cost_reporting else 0 end',
            missing_count='billed_cost_unconverted_count',
        ) }} as allocated_cost_reporting,
        sum(charge_count) as charge_count
    from charges_summed
    group by
        invoice_id,
        provider_name,
        billing_account_id,
        billing_currency,
        billing_month
),

final as (
    select
        -- ids
        cast(invoice_id as string) as invoice_id,
        cast(billing_account_id as string) as billing_account_id,
        -- strings
        cast(provider_name as string) as provider_name,
        cast(billing_currency as string) as billing_currency,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(allocated_cost_billing as decimal(38, 12)) as allocated_cost_billing,
        cast(allocated_cost_reporting as decimal(38, 12)) as allocated_cost_reporting,
        charge_count,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        cast(billing_month as date) as billing_month
    from totaled
)

select * from final

-- Commitment discounts per billing month (FOCUS CommitmentDiscountStatus Used / Unused): the
-- amortized cost used by usage and the whole commitment cost, reporting currency (null when a
-- line has no FX rate), with the count of such lines (the TBM metric
-- commitment_utilization_percent). Summed from the one pass over the charge-level tables.
with

charges_summed as (
    select
        billing_month,
        commitment_discount_status,
        effective_cost_reporting,
        effective_cost_unconverted_count
    from {{ ref('int_charges_summed_for_allocation_and_checks') }}
    where commitment_discount_status in ('Used', 'Unused')
),

commitment_sums as (
    select
        billing_month,
        sum(effective_cost_unconverted_count) as missing_fx_rate_count,
        {{ fx_safe_sum(
            "case when commitment_discount_status = 'Used'"
            ~ ' then effective_cost_reporting else 0 end',
            missing_count='effective_cost_unconverted_count',
        ) }} as used_cost_reporting,
        {{ fx_safe_sum(
            'effective_cost_reporting', missing_count='effective_cost_unconverted_count'
        ) }} as commitment_cost_reporting
    from charges_summed
    group by billing_month
)

select * from commitment_sums

-- Commitment discounts per billing month (FOCUS CommitmentDiscountStatus Used / Unused): the
-- amortized cost used by usage and the whole commitment cost, reporting currency (null when a
-- line has no FX rate), with the count of such lines (the TBM metric
-- commitment_utilization_percent).
with

charges as (
    select
        charge_id,
        commitment_discount_status,
        billing_month
    from {{ ref('stg_focus__charges') }}
),

converted_charges as (
    select
        charge_id,
        effective_cost_reporting
    from {{ ref('int_charges_converted_to_reporting_currency') }}
),

commitment_sums as (
    select
        charges.billing_month,
        count(*) - count(converted_charges.effective_cost_reporting) as missing_fx_rate_count,
        {{ fx_safe_sum(
            "case when charges.commitment_discount_status = 'Used'"
            ~ ' then converted_charges.effective_cost_reporting else 0 end',
            known='converted_charges.effective_cost_reporting',
        ) }} as used_cost_reporting,
        {{ fx_safe_sum('converted_charges.effective_cost_reporting') }}
            as commitment_cost_reporting
    from charges
    inner join converted_charges
        on charges.charge_id = converted_charges.charge_id
    where charges.commitment_discount_status in ('Used', 'Unused')
    group by charges.billing_month
)

select * from commitment_sums

-- Reporting amount = billing amount x rate, and the rate dated on or before the charge, checked
-- where the charges are already alike: per (currency, charge day, rate, rate day) the sum of the
-- converted amounts equals the sum of the billing amounts times that rate. Each charge's amount is
-- rounded once to 12 decimals (at most half a unit of 10^-12) and so is the product of the sums:
-- a group of n charges may differ by (n + 1) half-units and no more. A wrong rate, amount or
-- column is off by far more; the rounding itself is tests/test_decimal_multiply_property.py's.
-- Fails with each group outside that bound or with a rate dated after the charge.

with

-- the months the latest build wrote, as the generic tests of a month-incremental model read it
-- (macro get_where_subquery): a month added to six reads one month, not seven
converted as (
    select * from {{ get_where_subquery(ref('int_charges_converted_to_reporting_currency')) }}
    where not has_missing_fx_rate
),

groups as (
    select
        billing_currency,
        charge_date,
        fx_rate,
        fx_rate_date,
        count(*) as charge_count,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(billed_cost_reporting) as billed_cost_reporting,
        sum(effective_cost_reporting) as effective_cost_reporting
    from converted
    group by
        billing_currency,
        charge_date,
        fx_rate,
        fx_rate_date
),

compared as (
    select
        *,
        (charge_count + 1) * 0.0000000000005 as rounding_bound,
        {{ decimal_multiply('billed_cost', 'fx_rate', 12) }} as billed_cost_times_rate,
        {{ decimal_multiply('effective_cost', 'fx_rate', 12) }} as effective_cost_times_rate
    from groups
)

select *
from compared
where
    fx_rate_date > charge_date
    or abs(billed_cost_reporting - billed_cost_times_rate) > rounding_bound
    or abs(effective_cost_reporting - effective_cost_times_rate) > rounding_bound

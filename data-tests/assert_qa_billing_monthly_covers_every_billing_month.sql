-- The quality gates validate quality.qa_billing_monthly month by month: a billing month of
-- staging without a row there would never be checked. Fails with each such month (or a month of
-- qa_billing_monthly that staging does not have).
with

charge_months as (
    select distinct billing_month
    from {{ ref('stg_focus__charges') }}
),

checked_months as (
    select billing_month
    from {{ ref('qa_billing_monthly') }}
),

months_compared as (
    select
        coalesce(charge_months.billing_month, checked_months.billing_month) as billing_month,
        charge_months.billing_month is not null as is_in_staging,
        checked_months.billing_month is not null as is_in_quality
    from charge_months
    full outer join checked_months
        on charge_months.billing_month = checked_months.billing_month
)

select * from months_compared
where not (is_in_staging and is_in_quality)

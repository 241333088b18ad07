-- One row per current charge with what onboarding (`tbm discover`) reports it by: provider,
-- accounts, service and the effective cost in the reporting currency.
with

charges as (
    select
        charge_id,
        provider_name,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        service_name,
        billing_currency,
        billing_month
    from {{ ref('stg_focus__charges') }}
),

converted_charges as (
    select
        charge_id,
        effective_cost,
        effective_cost_reporting,
        has_missing_fx_rate
    from {{ ref('int_charges_converted_to_reporting_currency') }}
),

-- An account rule names a sub account when the charge has one, else its billing account: the
-- key an untagged charge is drafted to (int_charges_assigned_to_draft_services).
charges_profiled as (
    select
        -- ids
        charges.charge_id,
        charges.billing_account_id,
        charges.sub_account_id,
        case
            when charges.sub_account_id is not null then 'sub_account_id'
            else 'billing_account_id'
        end as account_match_key,
        coalesce(charges.sub_account_id, charges.billing_account_id) as account_match_value,
        -- strings
        charges.provider_name,
        charges.billing_account_name,
        charges.sub_account_name,
        coalesce(
            charges.sub_account_name, charges.sub_account_id,
            charges.billing_account_name, charges.billing_account_id
        ) as account_name,
        charges.service_name,
        charges.billing_currency,
        -- numerics
        converted_charges.effective_cost,
        converted_charges.effective_cost_reporting,
        -- booleans
        coalesce(converted_charges.has_missing_fx_rate, true) as has_missing_fx_rate,
        -- dates
        charges.billing_month
    from charges
    left join converted_charges
        on charges.charge_id = converted_charges.charge_id
)

select * from charges_profiled

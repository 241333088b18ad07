{#- Freshness judges operation, not history (docs/gates.md#freshness).

    The freshness reference (setting TBM_FRESHNESS_AS_OF, exported by the CLI):
    `latest`: the newest ChargePeriodEnd of all current billing, so an extract that lags the
    others is stale whatever the clock says (the demo data is dated in the past);
    `now`: the clock (UTC); or an ISO 8601 timestamp (UTC).

    While the newest billing period is open (the reference falls inside it, or the reference is
    the clock or a timestamp), every account is judged by the hours its newest data lags the
    reference. When the data of the newest billing period is complete (with `latest`, the
    reference is the end of that period: a load of past months), an account with data in that
    period is not judged by hours (a provider's partial month in a history load is what it
    delivered), and an account without data in it is judged by its lag as before. -#}
{%- set as_of = env_var('TBM_FRESHNESS_AS_OF', 'latest') | replace("'", "") | trim -%}

with

charges as (
    select
        provider_name,
        billing_account_id,
        billing_month,
        charge_period_end,
        billing_period_end
    from {{ ref('stg_focus__charges') }}
),

accounts as (
    select
        provider_name,
        billing_account_id,
        count(*) as charge_count,
        max(billing_month) as newest_billing_month,
        max(charge_period_end) as newest_charge_period_end,
        max(billing_period_end) as newest_billing_period_end
    from charges
    group by
        provider_name,
        billing_account_id
),

reference as (
    select
        {% if as_of | lower == 'latest' -%}
        max(newest_charge_period_end)
        {%- elif as_of | lower == 'now' -%}
        cast({{ dbt.current_timestamp() }} as timestamp)
        {%- else -%}
        cast('{{ as_of }}' as timestamp)
        {%- endif %} as as_of,
        max(newest_billing_month) as newest_billing_month,
        max(newest_billing_period_end) as newest_billing_period_end
    from accounts
),

judged as (
    select
        accounts.*,
        reference.as_of,
        {% if as_of | lower == 'latest' -%}
        reference.as_of >= reference.newest_billing_period_end
        {%- else -%}
        false
        {%- endif %} as is_closed_period_load,
        accounts.newest_billing_month = reference.newest_billing_month
            as has_newest_billing_month,
        cast(
            {{ dbt.datediff('accounts.newest_charge_period_end', 'reference.as_of', 'hour') }}
            as bigint
        ) as age_hours
    from accounts
    cross join reference
),

final as (
    select
        -- ids
        cast(newest_billing_month as string) || ' '
        || coalesce(provider_name, '?') || ' '
        || billing_account_id as account_month,
        billing_account_id,
        -- strings
        provider_name,
        '{{ as_of | lower if as_of | lower in ("latest", "now") else as_of }}' as as_of_setting,
        case
            when is_closed_period_load
                then 'closed periods: data in the newest billing month'
            else 'open period: hours behind as_of'
        end as freshness_rule,
        -- numerics
        cast(charge_count as bigint) as charge_count,
        age_hours,
        case
            when not (is_closed_period_load and has_newest_billing_month) then age_hours
        end as judged_age_hours,
        -- dates
        newest_billing_month as billing_month,
        -- timestamps
        newest_charge_period_end,
        as_of
    from judged
)

select * from final

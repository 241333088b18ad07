{#- The freshness reference (setting TBM_FRESHNESS_AS_OF, exported by the CLI):
    `latest`: the newest ChargePeriodEnd of all current billing, so an extract that lags the
    others is stale whatever the clock says (the demo data is dated in the past);
    `now`: the clock (UTC); or an ISO 8601 timestamp (UTC). -#}
{%- set as_of = env_var('TBM_FRESHNESS_AS_OF', 'latest') | replace("'", "") | trim -%}

with

charges as (
    select
        provider_name,
        billing_account_id,
        billing_month,
        charge_period_end
    from {{ ref('stg_focus__charges') }}
),

accounts as (
    select
        provider_name,
        billing_account_id,
        count(*) as charge_count,
        max(billing_month) as newest_billing_month,
        max(charge_period_end) as newest_charge_period_end
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
        {%- endif %} as as_of
    from accounts
),

final as (
    select
        -- ids
        cast(accounts.newest_billing_month as string) || ' '
        || coalesce(accounts.provider_name, '?') || ' '
        || accounts.billing_account_id as account_month,
        accounts.billing_account_id,
        -- strings
        accounts.provider_name,
        '{{ as_of | lower if as_of | lower in ("latest", "now") else as_of }}' as as_of_setting,
        -- numerics
        cast(accounts.charge_count as bigint) as charge_count,
        cast(
            {{ dbt.datediff('accounts.newest_charge_period_end', 'reference.as_of', 'hour') }}
            as bigint
        ) as age_hours,
        -- dates
        accounts.newest_billing_month as billing_month,
        -- timestamps
        accounts.newest_charge_period_end,
        reference.as_of
    from accounts
    cross join reference
)

select * from final

{#- the grains `tbm discover` reports, each a group-by of the charges -#}
{%- set grains = {
    'billing_currency': ['billing_currency'],
    'provider': ['provider_name'],
    'billing_account': ['provider_name', 'billing_account_id', 'billing_account_name'],
    'sub_account': [
        'provider_name', 'billing_account_id', 'billing_account_name',
        'sub_account_id', 'sub_account_name',
    ],
    'service': ['provider_name', 'service_name'],
} -%}
{%- set columns = [
    'billing_currency', 'provider_name', 'billing_account_id', 'billing_account_name',
    'sub_account_id', 'sub_account_name', 'service_name',
] -%}

-- Effective cost of the current charges at the grains `tbm discover` reports (column `grain`):
-- billing currency (with the amount in that currency), provider, billing account, sub account,
-- provider service. Reporting-currency amounts leave out charges without an FX rate (counted).
-- tagged_cost_reporting: the cost a drafted owner tag key covers; untagged: the rest, what
-- stays unallocated unless an account rule maps it (int_charges_assigned_to_draft_services).
with

charges as (
    select * from {{ ref('int_charges_profiled_for_onboarding') }}
),

assignments as (
    select
        charge_id,
        rule_type
    from {{ ref('int_charges_assigned_to_draft_services') }}
),

charges_assigned as (
    select
        charges.*,
        case when assignments.rule_type = 'tag' then charges.effective_cost_reporting end
            as tagged_cost_reporting,
        case when assignments.rule_type = 'tag' then 0 else 1 end as is_untagged_count,
        case when charges.has_missing_fx_rate then 1 else 0 end as missing_fx_rate_count
    from charges
    inner join assignments
        on charges.charge_id = assignments.charge_id
),

total_cost as (
    select sum(effective_cost_reporting) as effective_cost_reporting
    from charges
),

grains_summed as (
    {% for grain, keys in grains.items() %}
    select
        '{{ grain }}' as grain,
        {% for column in columns -%}
        {% if column in keys %}{{ column }}{% else %}cast(null as string){% endif %}
            as {{ column }},
        {% endfor -%}
        count(*) as charge_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count,
        sum(is_untagged_count) as untagged_charge_count,
        {% if grain == 'billing_currency' -%}
        sum(effective_cost) as effective_cost_billing,
        {%- else -%}
        cast(null as decimal(38, 12)) as effective_cost_billing,
        {%- endif %}
        sum(effective_cost_reporting) as effective_cost_reporting,
        coalesce(sum(tagged_cost_reporting), 0) as tagged_cost_reporting
    from charges_assigned
    group by {{ keys | join(', ') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        -- strings
        grains_summed.grain,
        {% for column in columns -%}
        grains_summed.{{ column }},
        {% endfor -%}
        -- numerics
        cast(grains_summed.charge_count as bigint) as charge_count,
        cast(grains_summed.missing_fx_rate_count as bigint) as missing_fx_rate_count,
        cast(grains_summed.untagged_charge_count as bigint) as untagged_charge_count,
        cast(grains_summed.effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(grains_summed.effective_cost_reporting as decimal(38, 12))
            as effective_cost_reporting,
        cast(grains_summed.tagged_cost_reporting as decimal(38, 12)) as tagged_cost_reporting,
        cast(
            coalesce(grains_summed.effective_cost_reporting, 0)
            - grains_summed.tagged_cost_reporting as decimal(38, 12)
        ) as untagged_cost_reporting,
        {{ decimal_divide(
            'grains_summed.effective_cost_reporting', 'total_cost.effective_cost_reporting', 10
        ) }} as cost_share
    from grains_summed
    cross join total_cost
)

select * from final

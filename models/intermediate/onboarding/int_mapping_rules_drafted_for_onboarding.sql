-- One row per mapping rule `tbm discover --write` drafts (int_charges_assigned_to_draft_services),
-- with the charges and effective cost (reporting currency) it covers and its share of all cost.
-- The columns are those of the organisation's mapping_rules.csv; the command writes the
-- description (`draft: covers ...`) from the covered cost.
with

assignments as (
    select * from {{ ref('int_charges_assigned_to_draft_services') }}
),

drafted_keys as (
    select
        tag_key,
        row_number() over (order by owner_key_rank) as drafted_key_order
    from {{ ref('int_owner_tag_keys_chosen_for_drafts') }}
    where is_drafted
),

total_cost as (
    select sum(effective_cost_reporting) as effective_cost_reporting
    from assignments
),

-- one row per rule (a tag rule reaches many services and providers: those are not its columns)
rules_summed as (
    select
        rule_id,
        min(rule_type) as rule_type,
        min(draft_basis) as draft_basis,
        min(tag_key) as tag_key,
        min(provider_name) as provider_name,
        min(account_match_key) as account_match_key,
        min(account_match_value) as account_match_value,
        min(account_name) as account_name,
        min(service_id) as service_id,
        count(*) as charge_count,
        sum(effective_cost_reporting) as covered_cost_reporting
    from assignments
    group by rule_id
),

final as (
    select
        -- ids
        rules_summed.rule_id,
        rules_summed.rule_type,
        -- tag rules: one per drafted key, 100, 110, ... in key order (the lowest wins a charge
        -- carrying several); account rules: 100
        cast(
            case
                when rules_summed.rule_type = 'tag'
                    then 90 + 10 * drafted_keys.drafted_key_order
                else 100
            end as integer
        ) as priority,
        case when rules_summed.rule_type = 'account' then rules_summed.provider_name end
            as provider_name,
        case
            when rules_summed.rule_type = 'tag' then rules_summed.tag_key
            else rules_summed.account_match_key
        end as match_key,
        case
            when rules_summed.rule_type = 'tag' then '*'
            else rules_summed.account_match_value
        end as match_value,
        -- a `*` tag rule takes the service from the tag value
        case when rules_summed.rule_type = 'account' then rules_summed.service_id end
            as service_id,
        cast('{{ var("onboarding_draft_valid_from") }}' as date) as valid_from,
        cast(null as date) as valid_to,
        -- what the description says
        rules_summed.draft_basis,
        rules_summed.account_name,
        cast(rules_summed.charge_count as bigint) as charge_count,
        cast(rules_summed.covered_cost_reporting as decimal(38, 12)) as covered_cost_reporting,
        {{ decimal_divide(
            'rules_summed.covered_cost_reporting', 'total_cost.effective_cost_reporting', 10
        ) }} as covered_share
    from rules_summed
    cross join total_cost
    left join drafted_keys
        on rules_summed.tag_key = drafted_keys.tag_key
)

select * from final

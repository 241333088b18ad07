-- One row per current charge: the service and the draft mapping rule that `tbm discover
-- --write` proposes for it, mirroring int_charges_mapped_to_services on the drafted rules.
-- - tag: the charge carries a drafted owner key (int_owner_tag_keys_chosen_for_drafts; the
--   best-ranked one if several): rule `tag, <key>, *`, the service is the lower-cased value;
-- - account: otherwise, a rule on its sub account (its billing account when it has none). The
--   service is the one most of the account's tagged cost goes to, or, for an account without
--   any drafted tag, a service named for the account (`account-<id>`).
-- Tag rules precede account rules in the mapping, so an account rule only takes the untagged
-- charges of its account.
with

charges as (
    select * from {{ ref('int_charges_profiled_for_onboarding') }}
),

charge_tags as (
    select * from {{ ref('int_charge_tags_deduplicated_by_key') }}
),

drafted_keys as (
    select
        tag_key,
        owner_key_rank
    from {{ ref('int_owner_tag_keys_chosen_for_drafts') }}
    where is_drafted
),

charge_drafted_keys_ranked as (
    select
        charge_tags.charge_id,
        charge_tags.tag_key,
        charge_tags.tag_value_key,
        row_number() over (
            partition by charge_tags.charge_id
            order by drafted_keys.owner_key_rank
        ) as key_order
    from charge_tags
    inner join drafted_keys
        on charge_tags.tag_key = drafted_keys.tag_key
),

charges_keyed as (
    select
        charges.*,
        charge_drafted_keys_ranked.tag_key,
        charge_drafted_keys_ranked.tag_value_key
    from charges
    left join charge_drafted_keys_ranked
        on
            charges.charge_id = charge_drafted_keys_ranked.charge_id
            and charge_drafted_keys_ranked.key_order = 1
),

-- per account (provider and account rule key), the services its tagged cost goes to
account_tagged_services as (
    select
        provider_name,
        account_match_key,
        account_match_value,
        tag_value_key as service_id,
        sum(effective_cost_reporting) as effective_cost_reporting
    from charges_keyed
    where tag_key is not null
    group by
        provider_name,
        account_match_key,
        account_match_value,
        tag_value_key
),

account_services_ranked as (
    select
        *,
        row_number() over (
            partition by provider_name, account_match_key, account_match_value
            order by coalesce(effective_cost_reporting, 0) desc, service_id
        ) as service_order
    from account_tagged_services
),

account_main_services as (
    select * from account_services_ranked
    where service_order = 1
),

charges_assigned as (
    select
        -- ids
        charges_keyed.charge_id,
        case
            when charges_keyed.tag_key is not null then charges_keyed.tag_value_key
            when account_main_services.service_id is not null
                then account_main_services.service_id
            else 'account-' || lower(trim(charges_keyed.account_match_value))
        end as service_id,
        case
            when charges_keyed.tag_key is not null then 'draft-tag-' || charges_keyed.tag_key
            else
                'draft-account-'
                || lower(replace(trim(coalesce(charges_keyed.provider_name, 'any')), ' ', '-'))
                || '-' || lower(trim(charges_keyed.account_match_value))
        end as rule_id,
        charges_keyed.billing_account_id,
        charges_keyed.sub_account_id,
        -- strings
        case when charges_keyed.tag_key is not null then 'tag' else 'account' end as rule_type,
        case
            when charges_keyed.tag_key is not null then 'tag'
            when account_main_services.service_id is not null then 'account_main_service'
            else 'account_service'
        end as draft_basis,
        charges_keyed.tag_key,
        charges_keyed.provider_name,
        charges_keyed.account_match_key,
        charges_keyed.account_match_value,
        charges_keyed.account_name,
        -- numerics
        charges_keyed.effective_cost_reporting,
        -- booleans
        charges_keyed.has_missing_fx_rate
    from charges_keyed
    left join account_main_services
        on
            charges_keyed.tag_key is null
            and charges_keyed.provider_name = account_main_services.provider_name
            and charges_keyed.account_match_key = account_main_services.account_match_key
            and charges_keyed.account_match_value = account_main_services.account_match_value
)

select * from charges_assigned

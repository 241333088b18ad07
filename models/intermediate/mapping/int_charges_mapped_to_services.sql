{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('stg_focus__charges')]) }}

-- read inline by each part below: materialized, 10M charges spill (macro not_materialized_cte)
charges as {{ not_materialized_cte() }} (
    select
        charge_id,
        source_file_id,
        source_line,
        provider_name,
        billing_account_id,
        sub_account_id,
        resource_id,
        -- provider-service rules compare the service name case- and space-insensitively
        lower(trim(service_name)) as service_name_key,
        tags_json,
        billing_month,
        charge_date
    from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

-- The tag, account and provider-service rules see only these attributes of a charge: they are
-- matched once per distinct combination (about 500,000 for 10M charges), not once per charge. A
-- charge's tags depend on its Tags text alone (stg_focus__tag_texts explodes each distinct text),
-- so the text stands for them here.
charge_attributes as (
    select
        provider_name,
        billing_account_id,
        sub_account_id,
        service_name_key,
        charge_date,
        tags_json
    from charges
    group by
        provider_name,
        billing_account_id,
        sub_account_id,
        service_name_key,
        charge_date,
        tags_json
),

text_tags as (
    select * from {{ ref('int_tag_texts_harmonized') }}
    {{ where_months_to_build() }}
),

mapping_rules as (
    select
        rule_id,
        rule_type,
        priority,
        provider_name,
        lower(trim(match_key)) as match_key,
        match_value,
        lower(trim(match_value)) as match_value_key,
        service_id,
        valid_from,
        valid_to
    from {{ ref('mapping_rules') }}
),

services as (
    select * from {{ ref('services') }}
),

-- Precedence (first match wins): resource, tag, account (sub account before billing account),
-- provider service; within a level the lowest priority, then the rule id. A rule applies to a
-- charge dated in [valid_from, valid_to), for its provider when it names one.

resource_matches as (
    select
        charges.source_file_id,
        charges.source_line,
        mapping_rules.rule_id,
        mapping_rules.service_id,
        'resource' as mapping_method,
        1 as precedence,
        mapping_rules.priority
    from charges
    inner join mapping_rules
        on
            mapping_rules.rule_type = 'resource'
            and charges.resource_id = mapping_rules.match_value
            and {{ mapping_rule_applies(
                'mapping_rules', 'charges.provider_name', 'charges.charge_date'
            ) }}
),

-- Tag rules see the normalized key (aliases applied) and the harmonized value
-- (int_tag_texts_harmonized: case, whitespace and the organisation's value aliases), once per
-- Tags text (a text's tags are the same in every month it appears in).
text_tags_matching_rule_keys as (
    select distinct
        text_tags.tags_json,
        text_tags.tag_key,
        text_tags.tag_value_key
    from text_tags
    where text_tags.tag_key in (
            select mapping_rules.match_key from mapping_rules
            where mapping_rules.rule_type = 'tag'
        )
),

tag_matches as (
    select
        charge_attributes.*,
        mapping_rules.rule_id,
        case
            when mapping_rules.match_value = '*' then services.service_id
            else mapping_rules.service_id
        end as service_id,
        'tag' as mapping_method,
        2 as precedence,
        mapping_rules.priority
    from charge_attributes
    inner join text_tags_matching_rule_keys
        on charge_attributes.tags_json = text_tags_matching_rule_keys.tags_json
    inner join mapping_rules
        on
            mapping_rules.rule_type = 'tag'
            and text_tags_matching_rule_keys.tag_key = mapping_rules.match_key
            and (
                mapping_rules.match_value = '*'
                or text_tags_matching_rule_keys.tag_value_key = mapping_rules.match_value_key
            )
            and {{ mapping_rule_applies(
                'mapping_rules', 'charge_attributes.provider_name', 'charge_attributes.charge_date'
            ) }}
    -- `*`: the tag value names a catalog service valid on the charge date
    left join services
        on
            mapping_rules.match_value = '*'
            and text_tags_matching_rule_keys.tag_value_key = services.service_id
            and {{ is_valid_on('services', 'charge_attributes.charge_date') }}
    where mapping_rules.match_value <> '*' or services.service_id is not null
),

account_matches as (
    select
        charge_attributes.*,
        mapping_rules.rule_id,
        mapping_rules.service_id,
        'account' as mapping_method,
        case mapping_rules.match_key when 'sub_account_id' then 3 else 4 end as precedence,
        mapping_rules.priority
    from charge_attributes
    inner join mapping_rules
        on
            mapping_rules.rule_type = 'account'
            and (
                (
                    mapping_rules.match_key = 'sub_account_id'
                    and charge_attributes.sub_account_id = mapping_rules.match_value
                )
                or (
                    mapping_rules.match_key = 'billing_account_id'
                    and charge_attributes.billing_account_id = mapping_rules.match_value
                )
            )
            and {{ mapping_rule_applies(
                'mapping_rules', 'charge_attributes.provider_name', 'charge_attributes.charge_date'
            ) }}
),

provider_service_matches as (
    select
        charge_attributes.*,
        mapping_rules.rule_id,
        mapping_rules.service_id,
        'provider_service' as mapping_method,
        5 as precedence,
        mapping_rules.priority
    from charge_attributes
    inner join mapping_rules
        on
            mapping_rules.rule_type = 'provider_service'
            and charge_attributes.provider_name = mapping_rules.provider_name
            and charge_attributes.service_name_key = mapping_rules.match_value_key
            and {{ is_valid_on('mapping_rules', 'charge_attributes.charge_date') }}
),

-- Resource rules (level 1) are matched per charge; tag, account and provider-service rules
-- (levels 2 to 5) per combination of attributes. A charge's winning rule is its first resource
-- match when it has one, else its attributes' first match.
first_resource_matches as (
    {{ first_mapping_rule_matches('resource_matches', ['source_file_id', 'source_line']) }}
),

attribute_matches as (
    select * from tag_matches
    union all
    select * from account_matches
    union all
    select * from provider_service_matches
),

first_attribute_matches as (
    {{ first_mapping_rule_matches('attribute_matches', [
        'provider_name', 'billing_account_id', 'sub_account_id', 'service_name_key',
        'charge_date', 'tags_json',
    ]) }}
),

charges_matched as (
    select
        charges.charge_id,
        charges.source_file_id,
        charges.source_line,
        charges.charge_date,
        charges.billing_month,
        case
            when first_resource_matches.precedence is not null
                then first_resource_matches.rule_id
            else first_attribute_matches.rule_id
        end as rule_id,
        case
            when first_resource_matches.precedence is not null
                then first_resource_matches.service_id
            else first_attribute_matches.service_id
        end as service_id,
        case
            when first_resource_matches.precedence is not null
                then first_resource_matches.mapping_method
            else first_attribute_matches.mapping_method
        end as mapping_method
    from charges
    left join first_resource_matches
        on {{ same_charge('charges', 'first_resource_matches') }}
    left join first_attribute_matches
        on
            charges.provider_name is not distinct from first_attribute_matches.provider_name
            and charges.billing_account_id
            is not distinct from first_attribute_matches.billing_account_id
            and charges.sub_account_id is not distinct from first_attribute_matches.sub_account_id
            and charges.service_name_key
            is not distinct from first_attribute_matches.service_name_key
            and charges.charge_date = first_attribute_matches.charge_date
            and charges.tags_json is not distinct from first_attribute_matches.tags_json
),

-- The explicit fallback rule (rule_type fallback, service `unallocated`) valid on each day.
fallback_rules as (
    {{ fallback_mapping_rules('mapping_rules', 'charges', 'charge_date') }}
),

final as (
    select
        -- ids
        charges_matched.charge_id,
        charges_matched.source_file_id,
        charges_matched.source_line,
        coalesce(
            charges_matched.service_id, fallback_rules.service_id, 'unallocated'
        ) as service_id,
        coalesce(charges_matched.rule_id, fallback_rules.rule_id) as mapping_rule_id,
        -- strings
        coalesce(charges_matched.mapping_method, 'unallocated') as mapping_method,
        -- dates
        charges_matched.charge_date,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        charges_matched.billing_month
    from charges_matched
    left join fallback_rules
        on charges_matched.charge_date = fallback_rules.charge_date
)

select * from final

with

tag_texts as (
    select * from {{ ref('int_tag_texts_harmonized') }}
),

masking_rules as (
    select * from {{ ref('tag_value_masking_rules') }}
),

-- Rules are matched once per distinct (key, value) pair.
distinct_tags as (
    select distinct
        tag_key,
        tag_value
    from tag_texts
    where tag_value is not null
),

-- Each rule is data (seed tag_value_masking_rules): its pattern is compared with the value,
-- never spliced into the SQL.
tags_matching_rules as (
    select
        distinct_tags.tag_key,
        distinct_tags.tag_value,
        masking_rules.rule_id,
        masking_rules.mask_label,
        masking_rules.priority
    from distinct_tags
    inner join masking_rules
        on (
            masking_rules.rule_type = 'value_pattern'
            and {{ regex_matches('distinct_tags.tag_value', 'masking_rules.pattern') }}
        )
        or (
            masking_rules.rule_type = 'key_pattern'
            and {{ regex_matches('distinct_tags.tag_key', 'masking_rules.pattern') }}
        )
        or (
            masking_rules.rule_type = 'high_entropy'
            and length(distinct_tags.tag_value) >= masking_rules.min_length
            and {{ regex_matches('distinct_tags.tag_value', 'masking_rules.pattern') }}
            and {{ shannon_entropy_bits('distinct_tags.tag_value') }}
            >= masking_rules.min_entropy_bits
        )
),

rules_ranked as (
    select
        tag_key,
        tag_value,
        rule_id,
        mask_label,
        row_number() over (
            partition by tag_key, tag_value order by priority, rule_id
        ) as rule_rank
    from tags_matching_rules
),

first_matching_rules as (
    select
        tag_key,
        tag_value,
        rule_id,
        mask_label
    from rules_ranked
    where rule_rank = 1
),

tag_texts_masked as (
    select
        tag_texts.tags_json,
        tag_texts.tag_key,
        case
            when first_matching_rules.rule_id is not null
                then '[masked: ' || first_matching_rules.mask_label || ']'
            else tag_texts.tag_value_key
        end as tag_value,
        first_matching_rules.rule_id as masking_rule_id,
        first_matching_rules.rule_id is not null as is_tag_value_masked,
        tag_texts.billing_month
    from tag_texts
    left join first_matching_rules
        on
            tag_texts.tag_key = first_matching_rules.tag_key
            and tag_texts.tag_value = first_matching_rules.tag_value
)

select * from tag_texts_masked

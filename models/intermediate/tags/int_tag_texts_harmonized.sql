-- Tag values harmonized before anything compares or groups by them: whitespace collapsed,
-- trimmed, lower-cased (macro tag_value_key), then the organisation's aliases (tag_value_aliases:
-- `production` -> `prod` under `environment`) mapped to one value. The delivered value stays
-- beside it (masking reads it: a key's case is part of its format).
with

tag_texts as (
    select * from {{ ref('stg_focus__tag_texts') }}
),

tag_value_aliases as (
    select
        lower(trim(tag_key)) as tag_key,
        {{ tag_value_key('alias_value') }} as alias_value_key,
        {{ tag_value_key('tag_value') }} as tag_value_key
    from {{ ref('tag_value_aliases') }}
),

keyed as (
    select
        tags_json,
        tag_key,
        tag_key_original,
        tag_value,
        {{ tag_value_key('tag_value') }} as delivered_value_key,
        billing_month
    from tag_texts
),

harmonized as (
    select
        -- strings
        keyed.tags_json,
        keyed.tag_key,
        keyed.tag_key_original,
        keyed.tag_value,
        coalesce(tag_value_aliases.tag_value_key, keyed.delivered_value_key) as tag_value_key,
        -- dates
        keyed.billing_month
    from keyed
    left join tag_value_aliases
        on
            keyed.tag_key = tag_value_aliases.tag_key
            and keyed.delivered_value_key = tag_value_aliases.alias_value_key
)

select * from harmonized

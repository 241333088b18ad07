-- One row per charge and normalized tag key with a non-empty value. A Tags text carrying two
-- aliases of one key (app and Application) keeps the lowest value, as the mapping does (its
-- tie-break is the lowest service_id). Deduplicated once per text, then given to its charges.
with

charges as (
    select
        charge_id,
        tags_json,
        billing_month
    from {{ ref('stg_focus__charges') }}
    where tags_json is not null
),

text_tags as (
    select
        tags_json,
        billing_month,
        tag_key,
        trim(tag_value) as tag_value,
        tag_value_key
    from {{ ref('int_tag_texts_harmonized') }}
    where coalesce(trim(tag_value), '') <> ''
),

tags_ranked as (
    select
        *,
        row_number() over (
            partition by billing_month, tags_json, tag_key
            order by tag_value_key, tag_value
        ) as value_order
    from text_tags
),

tags_deduplicated as (
    select
        -- ids
        charges.charge_id,
        -- strings
        tags_ranked.tag_key,
        tags_ranked.tag_value,
        tags_ranked.tag_value_key
    from charges
    inner join tags_ranked
        on
            charges.billing_month = tags_ranked.billing_month
            and charges.tags_json = tags_ranked.tags_json
    where tags_ranked.value_order = 1
)

select * from tags_deduplicated

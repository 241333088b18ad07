-- One row per charge and normalized tag key with a non-empty value. A charge carrying two
-- aliases of one key (app and Application) keeps the lowest value, as the mapping does (its
-- tie-break is the lowest service_id).
with

charge_tags as (
    select
        charge_id,
        tag_key,
        trim(tag_value) as tag_value,
        tag_value_key
    from {{ ref('int_charge_tags_harmonized') }}
    where coalesce(trim(tag_value), '') <> ''
),

tags_ranked as (
    select
        *,
        row_number() over (
            partition by charge_id, tag_key
            order by tag_value_key, tag_value
        ) as value_order
    from charge_tags
),

tags_deduplicated as (
    select
        -- ids
        charge_id,
        -- strings
        tag_key,
        tag_value,
        tag_value_key
    from tags_ranked
    where value_order = 1
)

select * from tags_deduplicated

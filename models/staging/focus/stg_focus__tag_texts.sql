{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('stg_focus__charges')]) }}

-- A charge's tags depend on its Tags text alone: each distinct text of a month is parsed once.
-- Charges repeat texts (the benchmark's 10M charges carry 1,759), so this table is a small
-- fraction of the charges, and the charges reach it by text.
tag_texts as (
    select distinct
        tags_json,
        billing_month
    from {{ ref('stg_focus__charges') }}
    where tags_json is not null
    {% if is_incremental() -%}
        and billing_month in (select months_to_build.billing_month from months_to_build)
    {%- endif %}
),

tag_key_aliases as (
    select
        lower(trim(tag_key_alias)) as tag_key_alias,
        tag_key
    from {{ ref('tag_key_aliases') }}
),

-- One row per key of the Tags JSON object (invalid JSON gives none: has_invalid_tags_json).
tag_entries as (
    {{ json_object_entries('tag_texts', 'tags_json', 'tags_json', ['billing_month']) }}
),

-- Keys lower-cased and trimmed, without the prefix AWS writes before a user-defined cost
-- allocation tag (`user:Application`; its own tags keep theirs, `aws:createdBy`), then aliases
-- (app, Application, service) mapped to one key.
tag_keys_unprefixed as (
    select
        tag_entries.*,
        regexp_replace(lower(trim(tag_entries.json_key)), '^user:', '') as json_key_unprefixed
    from tag_entries
),

tag_keys_normalized as (
    select
        tag_keys_unprefixed.tags_json,
        coalesce(
            tag_key_aliases.tag_key, tag_keys_unprefixed.json_key_unprefixed
        ) as tag_key,
        tag_keys_unprefixed.json_key as tag_key_original,
        tag_keys_unprefixed.json_value as tag_value,
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        tag_keys_unprefixed.billing_month
    from tag_keys_unprefixed
    left join tag_key_aliases
        on tag_keys_unprefixed.json_key_unprefixed = tag_key_aliases.tag_key_alias
)

select * from tag_keys_normalized

{{ config(**month_incremental_config('billing_month')) }}

with

charges as (
    select
        charge_id,
        tags_json,
        billing_month
    from {{ ref('stg_focus__charges') }}
    where tags_json is not null
    {% if is_incremental() -%}
        and billing_month in ({{ months_rebuilt_upstream(ref('stg_focus__charges')) }})
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
    {{ json_object_entries('charges', 'charge_id', 'tags_json', ['billing_month']) }}
),

-- Keys lower-cased and trimmed, then aliases (app, Application, service) mapped to one key.
tag_keys_normalized as (
    select
        tag_entries.charge_id,
        coalesce(
            tag_key_aliases.tag_key, lower(trim(tag_entries.json_key))
        ) as tag_key,
        tag_entries.json_key as tag_key_original,
        tag_entries.json_value as tag_value,
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        tag_entries.billing_month
    from tag_entries
    left join tag_key_aliases
        on lower(trim(tag_entries.json_key)) = tag_key_aliases.tag_key_alias
)

select * from tag_keys_normalized

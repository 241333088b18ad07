{{ config(**month_incremental_config('billing_month')) }}

{#- FOCUS enumerated columns normalized to their canonical spelling (seed focus_enumerations):
    staging name -> raw column. -#}
{%- set enumerated_columns = {
    'charge_category': 'chargecategory',
    'charge_class': 'chargeclass',
    'charge_frequency': 'chargefrequency',
    'commitment_discount_category': 'commitmentdiscountcategory',
    'commitment_discount_status': 'commitmentdiscountstatus',
    'capacity_reservation_status': 'capacityreservationstatus',
    'pricing_category': 'pricingcategory',
} -%}

with

billing as (
    select * from {{ source('raw', 'billing') }}
),

-- The snapshot keys are read in a second, narrow import: a CTE used twice is materialized by
-- DuckDB, which for a 10M-row wide table costs more than the whole rest of the model.
billing_snapshot_keys as (
    select
        _file_id,
        coalesce(serviceprovidername, providername, '') as snapshot_provider_name,
        billingaccountid as snapshot_billing_account_id,
        billingperiodstart as snapshot_billing_period_start
    from {{ source('raw', 'billing') }}
),

files as (
    select * from {{ ref('stg_load__files') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

focus_enumerations as (
    select
        column_name,
        canonical_value,
        lower(canonical_value) as value_key
    from {{ ref('focus_enumerations') }}
),

-- Snapshot supersession: a billing file is a snapshot of each (provider, billing account, billing
-- period) it contains, and the latest file loaded (highest _file_id) that contains a key replaces
-- the earlier ones for that key. Superseded rows stay in raw as history. FOCUS 1.3 renamed
-- ProviderName to ServiceProviderName: either names the provider.
current_snapshots as (
    select
        snapshot_provider_name,
        snapshot_billing_account_id,
        snapshot_billing_period_start,
        max(_file_id) as current_file_id
    from billing_snapshot_keys
    group by
        snapshot_provider_name,
        snapshot_billing_account_id,
        snapshot_billing_period_start
),

{% if is_incremental() %}
-- Incremental run: only the billing months with a current file not yet in the table (a new
-- month, or a newer delivery superseding one); the other months keep their rows.
months_to_build as (
    select distinct snapshot_months.billing_month
    from (
        select
            cast(date_trunc('month', snapshot_billing_period_start) as date) as billing_month,
            current_file_id
        from current_snapshots
    ) as snapshot_months
    left join (
        select distinct
            billing_month,
            source_file_id
        from {{ this }}
    ) as built_files
        on
            snapshot_months.billing_month = built_files.billing_month
            and snapshot_months.current_file_id = built_files.source_file_id
    where built_files.source_file_id is null
),
{% endif %}

-- The current snapshots of the months this build writes (every month in a full build). The
-- wide raw table is joined to these keys only, so DuckDB bounds the scan by their _file_id range
-- (a join filter) and skips the row groups of earlier files when a new month lands.
snapshots_to_build as (
    select *
    from current_snapshots
    {% if is_incremental() -%}
    where
        cast(date_trunc('month', snapshot_billing_period_start) as date)
        in (select months_to_build.billing_month from months_to_build)
    {%- endif %}
),

current_billing as (
    select
        billing.*,
        coalesce(billing.serviceprovidername, billing.providername) as resolved_provider_name
    from billing
    inner join snapshots_to_build
        on
            billing._file_id = snapshots_to_build.current_file_id
            and coalesce(billing.serviceprovidername, billing.providername, '')
            = snapshots_to_build.snapshot_provider_name
            and billing.billingaccountid = snapshots_to_build.snapshot_billing_account_id
            and billing.billingperiodstart = snapshots_to_build.snapshot_billing_period_start
),

-- Renamed to snake_case and normalized to FOCUS 1.2 semantics whatever the version delivered.
renamed as (
    select
        -- lineage: the charge id is stable across warehouses (file content hash + line)
        substr(files.file_sha256, 1, 16)
        || '-' || cast(current_billing._line as string) as charge_id,
        current_billing._file_id as source_file_id,
        current_billing._line as source_line,
        files.focus_version,

        -- accounts and resources
        current_billing.billingaccountid as billing_account_id,
        current_billing.billingaccountname as billing_account_name,
        current_billing.billingaccounttype as billing_account_type,
        current_billing.subaccountid as sub_account_id,
        current_billing.subaccountname as sub_account_name,
        current_billing.subaccounttype as sub_account_type,
        current_billing.resourceid as resource_id,
        current_billing.resourcename as resource_name,
        current_billing.resourcetype as resource_type,
        current_billing.regionid as region_id,
        current_billing.regionname as region_name,
        current_billing.availabilityzone as availability_zone,

        -- provider, service and SKU
        current_billing.resolved_provider_name as provider_name,
        current_billing.publishername as publisher_name,
        current_billing.invoiceissuername as invoice_issuer_name,
        current_billing.invoiceid as invoice_id,
        current_billing.servicename as service_name,
        current_billing.servicecategory as service_category,
        -- FOCUS 1.0 has no ServiceSubcategory: the category's own "Other (<category>)" value
        coalesce(
            current_billing.servicesubcategory,
            case
                when current_billing.servicecategory is not null
                    then 'Other (' || current_billing.servicecategory || ')'
            end
        ) as service_subcategory,
        current_billing.skuid as sku_id,
        current_billing.skupriceid as sku_price_id,
        current_billing.skumeter as sku_meter,
        current_billing.skupricedetails as sku_price_details,

        -- charge classification (enumerations normalized below)
        current_billing.chargecategory as charge_category,
        current_billing.chargeclass as charge_class,
        current_billing.chargefrequency as charge_frequency,
        current_billing.chargedescription as charge_description,
        current_billing.pricingcategory as pricing_category,
        current_billing.pricingunit as pricing_unit,
        current_billing.consumedunit as consumed_unit,

        -- commitments and reservations
        current_billing.commitmentdiscountid as commitment_discount_id,
        current_billing.commitmentdiscountname as commitment_discount_name,
        current_billing.commitmentdiscountcategory as commitment_discount_category,
        current_billing.commitmentdiscountstatus as commitment_discount_status,
        current_billing.commitmentdiscounttype as commitment_discount_type,
        current_billing.commitmentdiscountunit as commitment_discount_unit,
        current_billing.capacityreservationid as capacity_reservation_id,
        current_billing.capacityreservationstatus as capacity_reservation_status,

        -- currencies: before FOCUS 1.2 the price currency is the billing currency
        current_billing.billingcurrency as billing_currency,
        coalesce(
            current_billing.pricingcurrency, current_billing.billingcurrency
        ) as pricing_currency,

        -- semi-structured
        current_billing.tags as tags_json,
        current_billing._extra_columns as extra_columns_json,

        -- amounts in billing_currency
        current_billing.billedcost as billed_cost,
        current_billing.effectivecost as effective_cost,
        current_billing.listcost as list_cost,
        current_billing.contractedcost as contracted_cost,
        current_billing.listunitprice as list_unit_price,
        current_billing.contractedunitprice as contracted_unit_price,

        -- amounts in pricing_currency: without PricingCurrency they are the billing amounts
        coalesce(
            current_billing.pricingcurrencyeffectivecost,
            case when current_billing.pricingcurrency is null then current_billing.effectivecost end
        ) as pricing_currency_effective_cost,
        coalesce(
            current_billing.pricingcurrencylistunitprice,
            case when current_billing.pricingcurrency is null then current_billing.listunitprice end
        ) as pricing_currency_list_unit_price,
        coalesce(
            current_billing.pricingcurrencycontractedunitprice,
            case
                when current_billing.pricingcurrency is null
                    then current_billing.contractedunitprice
            end
        ) as pricing_currency_contracted_unit_price,

        -- quantities
        current_billing.pricingquantity as pricing_quantity,
        current_billing.consumedquantity as consumed_quantity,
        current_billing.commitmentdiscountquantity as commitment_discount_quantity,

        -- periods (UTC)
        current_billing.billingperiodstart as billing_period_start,
        current_billing.billingperiodend as billing_period_end,
        current_billing.chargeperiodstart as charge_period_start,
        current_billing.chargeperiodend as charge_period_end
    from current_billing
    inner join files
        on current_billing._file_id = files.file_id
),

-- Enumerations compared case-insensitively with the canonical FOCUS values.
charges_checked as (
    select
        renamed.*,
        {% for column in enumerated_columns %}
        {{ column }}_enumeration.canonical_value as canonical_{{ column }},
        {% endfor %}
        currencies.currency_code is null as is_unknown_currency
    from renamed
    left join currencies
        on renamed.billing_currency = currencies.currency_code
    {% for column in enumerated_columns -%}
    left join focus_enumerations as {{ column }}_enumeration
        on
            {{ column }}_enumeration.column_name = '{{ column }}'
            and lower(trim(renamed.{{ column }})) = {{ column }}_enumeration.value_key
    {% endfor %}
),

final as (
    select
        -- ids
        charge_id,
        source_file_id,
        source_line,
        billing_account_id,
        sub_account_id,
        resource_id,
        region_id,
        invoice_id,
        sku_id,
        sku_price_id,
        commitment_discount_id,
        capacity_reservation_id,

        -- strings
        focus_version,
        provider_name,
        publisher_name,
        invoice_issuer_name,
        billing_account_name,
        billing_account_type,
        sub_account_name,
        sub_account_type,
        resource_name,
        resource_type,
        region_name,
        availability_zone,
        service_name,
        service_category,
        service_subcategory,
        sku_meter,
        sku_price_details,
        {% for column in enumerated_columns -%}
        coalesce(canonical_{{ column }}, {{ column }}) as {{ column }},
        {% endfor -%}
        charge_description,
        pricing_unit,
        consumed_unit,
        commitment_discount_name,
        commitment_discount_type,
        commitment_discount_unit,
        billing_currency,
        pricing_currency,
        tags_json,
        extra_columns_json,

        -- numerics: amounts in billing_currency
        billed_cost,
        effective_cost,
        list_cost,
        contracted_cost,
        list_unit_price,
        contracted_unit_price,
        -- numerics: amounts in pricing_currency
        pricing_currency_effective_cost,
        pricing_currency_list_unit_price,
        pricing_currency_contracted_unit_price,
        -- numerics: quantities
        pricing_quantity,
        consumed_quantity,
        commitment_discount_quantity,

        -- booleans: data-quality flags (counted per month in quality.qa_billing_monthly)
        is_unknown_currency,
        contracted_cost is null as has_null_contracted_cost,
        (
            {% for column in enumerated_columns -%}
            coalesce({{ column }} <> canonical_{{ column }}, false)
            {{- ' or' if not loop.last }}
            {% endfor -%}
        ) as has_enum_case_error,
        (
            {% for column in enumerated_columns -%}
            ({{ column }} is not null and canonical_{{ column }} is null)
            {{- ' or' if not loop.last }}
            {% endfor -%}
        ) as has_unknown_enum_value,
        (tags_json is not null and not {{ is_json_object('tags_json') }}) as has_invalid_tags_json,

        -- dates
        cast(charge_period_start as date) as charge_date,

        -- timestamps (UTC)
        billing_period_start,
        billing_period_end,
        charge_period_start,
        charge_period_end,
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        cast(date_trunc('month', billing_period_start) as date) as billing_month
    from charges_checked
)

select * from final

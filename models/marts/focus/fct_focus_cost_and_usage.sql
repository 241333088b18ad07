{#- The FOCUS 1.2 Cost and Usage dataset that `tbm export-focus` writes: the 57 FOCUS columns in
    snake_case and in the spec's (alphabetical) order, then our enrichment as FOCUS `x_` columns,
    then billing_month (the export's month filter; not exported). The export renames each column
    to its FOCUS name (BilledCost, x_ServiceId) and changes nothing else. -#}

with

charges as (
    select * from {{ ref('stg_focus__charges') }}
),

completions as (
    select * from {{ ref('int_charges_completed_for_focus') }}
),

converted as (
    select * from {{ ref('int_charges_converted_to_reporting_currency') }}
),

mapped as (
    select * from {{ ref('int_charges_mapped_to_services') }}
),

services as (
    select * from {{ ref('dim_services') }}
),

-- the FOCUS completions, the conversion, and the service of the charge as the catalog
-- described it on the charge date
charges_enriched as (
    select
        charges.*,
        completions.derived_billing_account_type,
        completions.derived_sub_account_type,
        completions.derived_sku_meter,
        completions.derived_invoice_id,
        completions.derived_service_category,
        completions.derived_service_subcategory,
        completions.derived_pricing_unit,
        completions.derived_consumed_unit,
        completions.derived_commitment_discount_unit,
        completions.invoice_vendor_name,
        converted.reporting_currency,
        converted.billed_cost_reporting,
        converted.effective_cost_reporting,
        converted.fx_rate,
        converted.fx_rate_date,
        converted.fx_rate_source,
        mapped.service_id,
        mapped.mapping_method,
        services.service_name as catalog_service_name,
        services.owner as service_owner,
        services.business_unit,
        services.cost_center
    from charges
    left join completions on charges.charge_id = completions.charge_id
    left join converted on charges.charge_id = converted.charge_id
    left join mapped on charges.charge_id = mapped.charge_id
    left join services
        on
            mapped.service_id = services.service_id
            and charges.charge_date >= services.valid_from
            and (services.valid_to is null or charges.charge_date < services.valid_to)
),

final as (
    select
        -- FOCUS 1.2 Cost and Usage columns
        availability_zone,
        cast(billed_cost as decimal(38, 12)) as billed_cost,
        billing_account_id,
        billing_account_name,
        derived_billing_account_type as billing_account_type,
        billing_currency,
        {{ utc_timestamp('billing_period_end') }} as billing_period_end,
        {{ utc_timestamp('billing_period_start') }} as billing_period_start,
        capacity_reservation_id,
        capacity_reservation_status,
        charge_category,
        charge_class,
        charge_description,
        charge_frequency,
        {{ utc_timestamp('charge_period_end') }} as charge_period_end,
        {{ utc_timestamp('charge_period_start') }} as charge_period_start,
        commitment_discount_category,
        commitment_discount_id,
        commitment_discount_name,
        cast(commitment_discount_quantity as decimal(38, 12)) as commitment_discount_quantity,
        commitment_discount_status,
        commitment_discount_type,
        derived_commitment_discount_unit as commitment_discount_unit,
        cast(consumed_quantity as decimal(38, 12)) as consumed_quantity,
        derived_consumed_unit as consumed_unit,
        -- never null in FOCUS: unit price x quantity when both are known, else BilledCost (a
        -- charge not priced by unit, e.g. a credit or a tax)
        cast(
            coalesce(
                contracted_cost,
                {{ decimal_multiply('contracted_unit_price', 'pricing_quantity') }},
                billed_cost
            ) as decimal(38, 12)
        ) as contracted_cost,
        cast(contracted_unit_price as decimal(38, 12)) as contracted_unit_price,
        cast(effective_cost as decimal(38, 12)) as effective_cost,
        coalesce(invoice_id, derived_invoice_id) as invoice_id,
        coalesce(invoice_vendor_name, invoice_issuer_name) as invoice_issuer_name,
        cast(
            coalesce(
                list_cost,
                {{ decimal_multiply('list_unit_price', 'pricing_quantity') }},
                billed_cost
            ) as decimal(38, 12)
        ) as list_cost,
        cast(list_unit_price as decimal(38, 12)) as list_unit_price,
        pricing_category,
        pricing_currency,
        cast(pricing_currency_contracted_unit_price as decimal(38, 12))
            as pricing_currency_contracted_unit_price,
        cast(pricing_currency_effective_cost as decimal(38, 12))
            as pricing_currency_effective_cost,
        cast(pricing_currency_list_unit_price as decimal(38, 12))
            as pricing_currency_list_unit_price,
        cast(pricing_quantity as decimal(38, 12)) as pricing_quantity,
        derived_pricing_unit as pricing_unit,
        provider_name,
        publisher_name,
        region_id,
        region_name,
        resource_id,
        resource_name,
        resource_type,
        derived_service_category as service_category,
        service_name,
        derived_service_subcategory as service_subcategory,
        sku_id,
        derived_sku_meter as sku_meter,
        sku_price_details,
        sku_price_id,
        sub_account_id,
        sub_account_name,
        derived_sub_account_type as sub_account_type,
        tags_json as tags,
        -- x_ enrichment: lineage, service, reporting currency, and the delivered values that
        -- a derivation changed
        charge_id as x_charge_id,
        focus_version as x_source_focus_version,
        service_id as x_service_id,
        catalog_service_name as x_service_name,
        service_owner as x_service_owner,
        business_unit as x_business_unit,
        cost_center as x_cost_center,
        mapping_method as x_mapping_method,
        reporting_currency as x_reporting_currency,
        cast(billed_cost_reporting as decimal(38, 12)) as x_reporting_currency_billed_cost,
        cast(effective_cost_reporting as decimal(38, 12)) as x_reporting_currency_effective_cost,
        cast(fx_rate as decimal(38, 12)) as x_fx_rate,
        fx_rate_date as x_fx_rate_date,
        fx_rate_source as x_fx_rate_source,
        case
            when (invoice_vendor_name is distinct from invoice_issuer_name)
                then invoice_issuer_name
        end as x_delivered_invoice_issuer_name,
        case
            when (derived_service_subcategory is distinct from service_subcategory)
                then service_subcategory
        end as x_delivered_service_subcategory,
        case
            when (derived_service_category is distinct from service_category)
                then service_category
        end as x_delivered_service_category,
        case
            when (derived_pricing_unit is distinct from pricing_unit)
                then pricing_unit
        end as x_delivered_pricing_unit,
        case
            when (derived_consumed_unit is distinct from consumed_unit)
                then consumed_unit
        end as x_delivered_consumed_unit,
        case
            when (derived_commitment_discount_unit is distinct from commitment_discount_unit)
                then commitment_discount_unit
        end as x_delivered_commitment_discount_unit,
        -- the export's month filter
        billing_month
    from charges_enriched
)

select * from final

{#- The values FOCUS 1.2 requires that a delivered export may lack, derived as the spec says
    (column descriptions in _int_focus__models.yml): one row per current charge with the
    `derived_` values and the vendor of its invoice. -#}

with

charges as (
    select * from {{ ref('stg_focus__charges') }}
),

invoice_lines as (
    select * from {{ ref('stg_invoices__invoice_lines') }}
),

-- The cloud invoice of a billing account and month, when there is exactly one.
cloud_invoices as (
    select
        billing_account_id,
        service_month,
        min(invoice_id) as invoice_id,
        count(distinct invoice_id) as invoice_count
    from invoice_lines
    where invoice_type = 'cloud'
    group by
        billing_account_id,
        service_month
),

invoice_vendors as (
    select
        invoice_id,
        min(vendor_name) as vendor_name
    from invoice_lines
    group by invoice_id
),

-- What the same provider declares for the same billing account, sub account or SKU in its other
-- rows (BillingAccountType and SubAccountType are new in FOCUS 1.2, SkuMeter in 1.1).
billing_account_types as (
    select
        provider_name,
        billing_account_id,
        max(billing_account_type) as account_type
    from charges
    group by
        provider_name,
        billing_account_id
),

sub_account_types as (
    select
        provider_name,
        sub_account_id,
        max(sub_account_type) as account_type
    from charges
    group by
        provider_name,
        sub_account_id
),

-- a provider that names a single sub account type in all its rows
provider_sub_account_types as (
    select
        provider_name,
        max(sub_account_type) as account_type
    from charges
    group by provider_name
    having count(distinct sub_account_type) = 1
),

sku_meters as (
    select
        provider_name,
        sku_id,
        max(sku_meter) as sku_meter
    from charges
    group by
        provider_name,
        sku_id
),

-- One ServiceCategory per ServiceName within a provider (ServiceName-C-005-C): the category of
-- most of the service's rows, then of the larger absolute BilledCost, then the first by name.
service_category_candidates as (
    select
        provider_name,
        service_name,
        service_category,
        count(*) as charge_count,
        sum(abs(billed_cost)) as absolute_billed_cost
    from charges
    where service_category is not null
    group by
        provider_name,
        service_name,
        service_category
),

service_categories_ranked as (
    select
        provider_name,
        service_name,
        service_category,
        row_number() over (
            partition by provider_name, service_name
            order by charge_count desc, absolute_billed_cost desc, service_category asc
        ) as category_rank
    from service_category_candidates
),

service_categories as (
    select
        provider_name,
        service_name,
        service_category
    from service_categories_ranked
    where category_rank = 1
),

charges_categorized as (
    select
        charges.*,
        coalesce(
            service_categories.service_category, charges.service_category
        ) as derived_service_category
    from charges
    left join service_categories
        on
            charges.provider_name is not distinct from service_categories.provider_name
            and charges.service_name = service_categories.service_name
),

-- One ServiceSubcategory per ServiceName (ServiceName-C-008-C), a child of its ServiceCategory:
-- the specific subcategories the service's rows of that category carry (a FOCUS 1.0 row only had
-- the category's `Other (...)`).
service_subcategories as (
    select
        provider_name,
        service_name,
        count(distinct service_subcategory) as subcategory_count,
        max(service_subcategory) as subcategory
    from charges_categorized
    where
        service_subcategory not like 'Other (%'
        and service_category = derived_service_category
    group by
        provider_name,
        service_name
),

charges_derived as (
    select
        charges.charge_id,
        charges.invoice_id,
        coalesce(
            charges.billing_account_type, billing_account_types.account_type
        ) as derived_billing_account_type,
        coalesce(
            charges.sub_account_type,
            sub_account_types.account_type,
            case
                when charges.sub_account_id is not null
                    then provider_sub_account_types.account_type
            end
        ) as derived_sub_account_type,
        coalesce(charges.sku_meter, sku_meters.sku_meter) as derived_sku_meter,
        case
            when cloud_invoices.invoice_count = 1 then cloud_invoices.invoice_id
        end as derived_invoice_id,
        charges.derived_service_category,
        case
            when service_subcategories.subcategory_count = 1
                then service_subcategories.subcategory
            when service_subcategories.subcategory_count > 1
                then 'Other (' || charges.derived_service_category || ')'
            when (charges.service_category is distinct from charges.derived_service_category)
                then 'Other (' || charges.derived_service_category || ')'
            else charges.service_subcategory
        end as derived_service_subcategory,
        -- units in the FOCUS unit format (macros/focus_export.sql)
        {{ focus_unit_format('charges.pricing_unit') }} as derived_pricing_unit,
        {{ focus_unit_format('charges.consumed_unit') }} as derived_consumed_unit,
        {{ focus_unit_format('charges.commitment_discount_unit') }}
            as derived_commitment_discount_unit
    from charges_categorized as charges
    left join billing_account_types
        on
            charges.provider_name is not distinct from billing_account_types.provider_name
            and charges.billing_account_id = billing_account_types.billing_account_id
    left join sub_account_types
        on
            charges.provider_name is not distinct from sub_account_types.provider_name
            and charges.sub_account_id = sub_account_types.sub_account_id
    left join provider_sub_account_types
        on charges.provider_name = provider_sub_account_types.provider_name
    left join sku_meters
        on
            charges.provider_name is not distinct from sku_meters.provider_name
            and charges.sku_id = sku_meters.sku_id
    left join cloud_invoices
        on
            charges.invoice_id is null
            and charges.billing_account_id = cloud_invoices.billing_account_id
            and charges.billing_month = cloud_invoices.service_month
    left join service_subcategories
        on
            charges.provider_name is not distinct from service_subcategories.provider_name
            and charges.service_name = service_subcategories.service_name
),

-- InvoiceIssuerName: the vendor of the invoice (the company's name for it, which is also the
-- ProviderName) instead of the legal entity the export names (BilledCost-C-005-C).
charges_with_invoice_vendors as (
    select
        charges_derived.charge_id,
        charges_derived.derived_billing_account_type,
        charges_derived.derived_sub_account_type,
        charges_derived.derived_sku_meter,
        charges_derived.derived_invoice_id,
        charges_derived.derived_service_category,
        charges_derived.derived_service_subcategory,
        charges_derived.derived_pricing_unit,
        charges_derived.derived_consumed_unit,
        charges_derived.derived_commitment_discount_unit,
        invoice_vendors.vendor_name as invoice_vendor_name
    from charges_derived
    left join invoice_vendors
        on
            coalesce(charges_derived.invoice_id, charges_derived.derived_invoice_id)
            = invoice_vendors.invoice_id
)

select * from charges_with_invoice_vendors

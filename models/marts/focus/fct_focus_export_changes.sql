{#- What `tbm export-focus` changed in the delivered billing, and which of the FinOps validator's
    rules the exported data still fails because the delivered data does (the export cannot
    invent a value FOCUS leaves to the provider). One row per billing month, outcome, FOCUS
    column and rule with at least one charge:
    - `normalized`: a delivered value changed where FOCUS defines the fix (the delivered value is
      in the export's x_Delivered<Column>);
    - `completed`: a value the delivered row lacks, derived as FOCUS 1.2 says;
    - `not fixed`: charges that fail the rule in the export as delivered.
    `tbm export-focus` sums it over the exported months and writes it beside the file. -#}

{#- (column, FOCUS column, rule, what the export does) for every value the export derives -#}
{%- set derived_columns = [
    ('service_category', 'ServiceCategory', 'ServiceName-C-005-C',
        'one ServiceCategory per ServiceName within a provider: the category of most of its charges, then the costliest'),
    ('service_subcategory', 'ServiceSubcategory', 'ServiceName-C-008-C',
        'one ServiceSubcategory per ServiceName, a child of its ServiceCategory'),
    ('pricing_unit', 'PricingUnit', 'PricingUnit-C-003-O', 'the unit in the FOCUS unit format'),
    ('consumed_unit', 'ConsumedUnit', 'ConsumedUnit-C-003-O', 'the unit in the FOCUS unit format'),
    ('commitment_discount_unit', 'CommitmentDiscountUnit', 'CommitmentDiscountUnit-C-003-M',
        'the unit in the FOCUS unit format'),
    ('invoice_issuer_name', 'InvoiceIssuerName', 'BilledCost-C-005-C',
        'the vendor of the invoice of the charge in invoices/ (the provider, not a third party)'),
    ('invoice_id', 'InvoiceId', 'InvoiceId-C-005-C',
        'the cloud invoice of the billing account and month in invoices/'),
    ('billing_account_type', 'BillingAccountType', 'BillingAccountType-C-005-C',
        'the type the provider declares for the billing account in its other rows'),
    ('sub_account_type', 'SubAccountType', 'SubAccountType-C-005-C',
        'the type the provider declares for the sub account in its other rows'),
    ('sku_meter', 'SkuMeter', 'SkuMeter-C-005-C',
        'the meter the provider declares for the SKU in its other rows'),
    ('contracted_cost', 'ContractedCost', 'ContractedCost-C-003-M',
        'ContractedUnitPrice x PricingQuantity, else BilledCost'),
    ('list_cost', 'ListCost', 'ListCost-C-003-M', 'ListUnitPrice x PricingQuantity, else BilledCost'),
] -%}

{#- (FOCUS column, rule, requirement, condition of a failing exported charge): the validator's
    row rules on values the export passes through as delivered -#}
{%- set row_rules = [
    ('BilledCost', 'BilledCost-C-005-C',
        'BilledCost MUST be 0 for charges whose payment a third party receives (the validator reads a third party as an InvoiceIssuerName other than the ProviderName)',
        'exported.invoice_issuer_name <> exported.provider_name and exported.billed_cost <> 0'),
    ('InvoiceIssuerName', 'InvoiceIssuerName-C-003-M', 'InvoiceIssuerName MUST NOT be null',
        'exported.invoice_issuer_name is null'),
    ('PublisherName', 'PublisherName-C-003-M', 'PublisherName MUST NOT be null',
        'exported.publisher_name is null'),
    ('BillingAccountType', 'BillingAccountType-C-005-C',
        'BillingAccountType MUST NOT be null when BillingAccountId is not null',
        'exported.billing_account_type is null and exported.billing_account_id is not null'),
    ('SubAccountType', 'SubAccountType-C-005-C',
        'SubAccountType MUST NOT be null when SubAccountId is not null',
        'exported.sub_account_type is null and exported.sub_account_id is not null'),
    ('SkuMeter', 'SkuMeter-C-005-C', 'SkuMeter SHOULD NOT be null when SkuId is not null',
        'exported.sku_meter is null and exported.sku_id is not null'),
    ('ServiceName', 'ServiceName-C-003-M', 'ServiceName MUST NOT be null',
        'exported.service_name is null'),
    ('ServiceCategory', 'ServiceCategory-C-002-M', 'ServiceCategory MUST NOT be null',
        'exported.service_category is null'),
    ('PricingUnit', 'PricingUnit-C-005-C', 'PricingUnit MUST be null when PricingQuantity is null',
        'exported.pricing_unit is not null and exported.pricing_quantity is null'),
    ('PricingUnit', 'PricingUnit-C-006-C',
        'PricingUnit MUST NOT be null when PricingQuantity is not null',
        'exported.pricing_unit is null and exported.pricing_quantity is not null'),
    ('PricingUnit', 'PricingUnit-C-003-O', 'PricingUnit SHOULD conform to the FOCUS unit format',
        'not ' ~ matches_focus_unit_format('exported.pricing_unit')),
    ('ConsumedUnit', 'ConsumedUnit-C-003-O', 'ConsumedUnit SHOULD conform to the FOCUS unit format',
        'not ' ~ matches_focus_unit_format('exported.consumed_unit')),
    ('ConsumedUnit', 'ConsumedUnit-C-006-C',
        'ConsumedUnit MUST NOT be null when ConsumedQuantity is not null',
        'exported.consumed_unit is null and exported.consumed_quantity is not null'),
    ('CommitmentDiscountUnit', 'CommitmentDiscountUnit-C-003-M',
        'CommitmentDiscountUnit SHOULD conform to the FOCUS unit format',
        'not ' ~ matches_focus_unit_format('exported.commitment_discount_unit')),
] -%}

with

exported as (
    select * from {{ ref('fct_focus_cost_and_usage') }}
),

delivered as (
    select * from {{ ref('stg_focus__charges') }}
),

-- one row per exported charge: 1 where a derivation changed a delivered value or filled a
-- missing one, 1 where it fails a row rule
charges_flagged as (
    select
        {% for column, _, _, _ in derived_columns -%}
        case
            when
                delivered.{{ column }} is not null
                and (exported.{{ column }} is distinct from delivered.{{ column }})
                then 1
            else 0
        end as normalized_{{ loop.index }},
        case
            when delivered.{{ column }} is null and exported.{{ column }} is not null then 1
            else 0
        end as completed_{{ loop.index }},
        {% endfor -%}
        {% for _, _, _, condition in row_rules -%}
        case
            when {{ condition }} then 1
            else 0
        end as failing_{{ loop.index }},
        {% endfor -%}
        exported.billing_month
    from exported
    inner join delivered on exported.x_charge_id = delivered.charge_id
),

charges_counted as (
    select
        {% for _ in derived_columns -%}
        sum(normalized_{{ loop.index }}) as normalized_{{ loop.index }},
        sum(completed_{{ loop.index }}) as completed_{{ loop.index }},
        {% endfor -%}
        {% for _ in row_rules -%}
        sum(failing_{{ loop.index }}) as failing_{{ loop.index }},
        {% endfor -%}
        billing_month
    from charges_flagged
    group by billing_month
),

-- ServiceName-C-005-C and -008-C hold over a dataset: a service name of the month with another
-- number of categories (subcategories) than one fails them
service_names as (
    select
        billing_month,
        service_name,
        count(distinct service_category) as category_count,
        count(distinct service_subcategory) as subcategory_count
    from exported
    group by
        billing_month,
        service_name
),

service_names_counted as (
    select
        billing_month,
        sum(case when category_count <> 1 then 1 else 0 end) as failing_category,
        sum(case when subcategory_count <> 1 then 1 else 0 end) as failing_subcategory
    from service_names
    group by billing_month
),

changes as (
    {% for column, focus_column, rule_id, derivation in derived_columns -%}
    select
        billing_month,
        'normalized' as outcome,
        '{{ focus_column }}' as focus_column,
        '{{ rule_id }}' as rule_id,
        '{{ derivation }}' as requirement,
        normalized_{{ loop.index }} as charge_count
    from charges_counted
    union all
    select
        billing_month,
        'completed' as outcome,
        '{{ focus_column }}' as focus_column,
        '{{ rule_id }}' as rule_id,
        '{{ derivation }}' as requirement,
        completed_{{ loop.index }} as charge_count
    from charges_counted
    union all
    {% endfor -%}
    {% for focus_column, rule_id, requirement, _ in row_rules -%}
    select
        billing_month,
        'not fixed' as outcome,
        '{{ focus_column }}' as focus_column,
        '{{ rule_id }}' as rule_id,
        '{{ requirement }}' as requirement,
        failing_{{ loop.index }} as charge_count
    from charges_counted
    union all
    {% endfor -%}
    select
        billing_month,
        'not fixed' as outcome,
        'ServiceCategory' as focus_column,
        'ServiceName-C-005-C' as rule_id,
        'ServiceName MUST have one and only one ServiceCategory (service names of the month)'
            as requirement,
        failing_category as charge_count
    from service_names_counted
    union all
    select
        billing_month,
        'not fixed' as outcome,
        'ServiceSubcategory' as focus_column,
        'ServiceName-C-008-C' as rule_id,
        'ServiceName SHOULD have one and only one ServiceSubcategory (service names of the month)'
            as requirement,
        failing_subcategory as charge_count
    from service_names_counted
),

final as (
    select
        billing_month,
        outcome,
        focus_column,
        rule_id,
        requirement,
        cast(charge_count as bigint) as charge_count
    from changes
    where charge_count > 0
)

select * from final

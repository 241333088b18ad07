with

-- Cloud invoices bill the same money as the FOCUS lines of their billing account (reconciled,
-- not allocated): only SaaS and vendor invoice lines are mapped here.
invoice_lines as (
    select
        invoice_id,
        invoice_line_id,
        vendor_name,
        product,
        service_period_start as mapping_date
    from {{ ref('stg_invoices__invoice_lines') }}
    where lower(invoice_type) <> 'cloud'
),

mapping_rules as (
    select
        rule_id,
        rule_type,
        priority,
        provider_name,
        lower(trim(match_key)) as match_key,
        lower(trim(match_value)) as match_value_key,
        service_id,
        valid_from,
        valid_to
    from {{ ref('mapping_rules') }}
    where rule_type in ('vendor', 'fallback')
),

-- Precedence (first match wins): a rule naming the product, then a rule for the whole vendor;
-- within a level the lowest priority, then the rule id. A rule applies to a line whose service
-- period starts in [valid_from, valid_to).
vendor_matches as (
    select
        invoice_lines.invoice_id,
        invoice_lines.invoice_line_id,
        mapping_rules.rule_id,
        mapping_rules.service_id,
        case mapping_rules.match_key when 'product' then 1 else 2 end as precedence,
        mapping_rules.priority
    from invoice_lines
    inner join mapping_rules
        on
            mapping_rules.rule_type = 'vendor'
            and invoice_lines.vendor_name = mapping_rules.provider_name
            and (
                (
                    mapping_rules.match_key = 'product'
                    and lower(trim(invoice_lines.product)) = mapping_rules.match_value_key
                )
                or (
                    mapping_rules.match_key = 'vendor_name'
                    and lower(trim(invoice_lines.vendor_name)) = mapping_rules.match_value_key
                )
            )
            and {{ is_valid_on('mapping_rules', 'invoice_lines.mapping_date') }}
),

first_matches as (
    {{ first_mapping_rule_matches('vendor_matches', ['invoice_id', 'invoice_line_id']) }}
),

-- The explicit fallback rule (service `unallocated`) valid on each day, as for charges.
fallback_rules as (
    {{ fallback_mapping_rules('mapping_rules', 'invoice_lines', 'mapping_date') }}
),

final as (
    select
        -- ids
        invoice_lines.invoice_id,
        invoice_lines.invoice_line_id,
        coalesce(
            first_matches.service_id, fallback_rules.service_id, 'unallocated'
        ) as service_id,
        coalesce(first_matches.rule_id, fallback_rules.rule_id) as mapping_rule_id,
        -- strings
        case
            when first_matches.rule_id is not null then 'vendor' else 'unallocated'
        end as mapping_method,
        -- dates
        invoice_lines.mapping_date
    from invoice_lines
    left join first_matches
        on
            invoice_lines.invoice_id = first_matches.invoice_id
            and invoice_lines.invoice_line_id = first_matches.invoice_line_id
    left join fallback_rules
        on invoice_lines.mapping_date = fallback_rules.mapping_date
)

select * from final

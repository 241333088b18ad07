{#- The cost profile of a cost line: the attributes the taxonomy rules (cost pool, tower) read,
    matched once per profile and month rather than per line. Cloud charge groups and invoice
    parts have different attributes: each source sets the ones it lacks to '' (and a null to
    ''), so that the profile is an equality join key between the cost lines and their
    taxonomy (int_cost_profiles_mapped_to_taxonomy). -#}

{#- cost_profile_keys(): the profile columns, in order. -#}
{% macro cost_profile_keys() -%}
    {{ return([
        'source_type',
        'provider_name',
        'invoice_type',
        'charge_category',
        'service_category',
        'service_subcategory',
        'product',
    ]) }}
{%- endmacro %}

{#- cost_profile_columns(source_type, relation): the select items of the profile columns, in the
    order of cost_profile_keys, of a row of `source_type` 'cloud' (a charge group: provider_name,
    charge_category, service_category, service_subcategory) or 'invoice' (an invoice line:
    vendor_name as provider_name, invoice_type, product). `relation`: the alias qualifying the
    columns read (none: unqualified). -#}
{% macro cost_profile_columns(source_type, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation is not none else '' -%}
    {%- if source_type == 'cloud' -%}
    'cloud' as source_type,
    coalesce({{ prefix }}provider_name, '') as provider_name,
    '' as invoice_type,
    coalesce({{ prefix }}charge_category, '') as charge_category,
    coalesce({{ prefix }}service_category, '') as service_category,
    coalesce({{ prefix }}service_subcategory, '') as service_subcategory,
    '' as product
    {%- elif source_type == 'invoice' -%}
    'invoice' as source_type,
    coalesce({{ prefix }}vendor_name, '') as provider_name,
    coalesce({{ prefix }}invoice_type, '') as invoice_type,
    '' as charge_category,
    '' as service_category,
    '' as service_subcategory,
    coalesce({{ prefix }}product, '') as product
    {%- else -%}
    {{ exceptions.raise_compiler_error(
        "cost_profile_columns: source_type must be 'cloud' or 'invoice', not '"
        ~ source_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}

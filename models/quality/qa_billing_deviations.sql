{#- A provider's known deviations from FOCUS that leave the money intact, per billing file,
    billing month and provider (expectations/raw_billing_deviations.json: a warning, never a
    block; what breaks money is gated by qa_billing_files, qa_billing_file_loads and
    qa_currency_monthly).

    expected_columns: FOCUS columns that a file of each version carries and that the spec says
    are never null (display name -> raw expression, first version). A provider whose rows in a
    file-month leave one of them null in every row does not deliver it (Microsoft's export has
    no ServiceSubcategory, an Oracle account leaves ContractedCost empty). The never-null
    columns that money needs (BilledCost, EffectiveCost, BillingCurrency, the periods, ...)
    are required by the loader, which quarantines a row without them (raw_billing gate).

    A unit outside the FOCUS unit format is one that the FOCUS export rewrites
    (focus_unit_format: `GB-Mo`, `1K Tokens`, `1/Month`, ...). A charge outside its billing period
    (not a correction) is billed in the period that its provider says.

    An amount delivered with non-zero digits beyond the 12th decimal (a .NET decimal's 28, or
    `2.3E-13`) is stored rounded half-even to 12, the warehouse's precision; the loader records
    each in raw.rounded_amounts with its exact difference. Each difference is summed per column
    and in the column's currency (or unit, for a quantity). -#}
{%- set expected_columns = {
    'ProviderName': ('billing.provider_name', '1.0'),
    'PublisherName': ('billing.publisher_name', '1.0'),
    'InvoiceIssuerName': ('billing.invoice_issuer_name', '1.0'),
    'ServiceName': ('billing.service_name', '1.0'),
    'ServiceCategory': ('billing.service_category', '1.0'),
    'ListCost': ('billing.list_cost', '1.0'),
    'ContractedCost': ('billing.contracted_cost', '1.0'),
    'ServiceSubcategory': ('billing.service_subcategory', '1.1'),
} -%}
{%- set unit_columns = ['pricing_unit', 'consumed_unit'] -%}
{#- the currency or unit of each rounded column (raw name -> charges column) -#}
{%- set rounded_column_units = {
    'BilledCost': 'billing_currency',
    'EffectiveCost': 'billing_currency',
    'ListCost': 'billing_currency',
    'ContractedCost': 'billing_currency',
    'ListUnitPrice': 'billing_currency',
    'ContractedUnitPrice': 'billing_currency',
    'PricingCurrencyEffectiveCost': 'pricing_currency',
    'PricingCurrencyListUnitPrice': 'pricing_currency',
    'PricingCurrencyContractedUnitPrice': 'pricing_currency',
    'ConsumedQuantity': 'consumed_unit',
    'PricingQuantity': 'pricing_unit',
} -%}

{#- Incremental by billing month, as qa_billing_files. -#}
{{ config(**month_incremental_config('billing_month')) }}

with

{{ months_to_build_cte([ref('stg_focus__charges')]) }}

billing as (
    select * from {{ ref('stg_focus__billing_file_rows') }}
),

charges as (
    select * from {{ ref('stg_focus__charges') }}
    {{ where_months_to_build() }}
),

files as (
    select * from {{ ref('stg_load__files') }}
),

rounded_amounts as (
    select * from {{ ref('stg_load__rounded_amounts') }}
),

-- Only files that still hold current rows: a superseded delivery is history, not a gate.
current_files as (
    select distinct source_file_id as file_id
    from charges
),

column_value_counts as (
    select
        billing.source_file_id as file_id,
        coalesce(billing.provider_name, '') as provider_name,
        cast(date_trunc('month', billing.billing_period_start) as date) as billing_month,
        {% for column, (expression, since) in expected_columns.items() -%}
        count({{ expression }}) as {{ column | lower }}_value_count,
        {% endfor -%}
        count(*) as raw_row_count
    from billing
    where billing.source_file_id in (select current_files.file_id from current_files)
    group by
        billing.source_file_id,
        coalesce(billing.provider_name, ''),
        cast(date_trunc('month', billing.billing_period_start) as date)
),

columns_missing as (
    select
        column_value_counts.file_id,
        column_value_counts.provider_name,
        column_value_counts.billing_month,
        (
            {% for column, (expression, since) in expected_columns.items() -%}
            case
                when
                    files.focus_version >= '{{ since }}'
                    and column_value_counts.{{ column | lower }}_value_count = 0
                    then 1
                else 0
            end{{ ' +' if not loop.last }}
            {% endfor -%}
        ) as missing_column_count,
        concat_ws(
            ', ',
            {% for column, (expression, since) in expected_columns.items() -%}
            case
                when
                    files.focus_version >= '{{ since }}'
                    and column_value_counts.{{ column | lower }}_value_count = 0
                    then '{{ column }}'
            end{{ ',' if not loop.last }}
            {% endfor -%}
        ) as missing_columns
    from column_value_counts
    inner join files
        on column_value_counts.file_id = files.file_id
),

charges_checked as (
    select
        source_file_id as file_id,
        coalesce(provider_name, '') as provider_name,
        billing_month,
        charge_id,
        case
            {% for column in unit_columns -%}
            when {{ column }} <> {{ focus_unit_format(column) }}
                then {{ column }} || ' (FOCUS: ' || {{ focus_unit_format(column) }} || ')'
            {% endfor -%}
        end as unit_outside_format,
        (
            coalesce(charge_class, '') <> 'Correction'
            and (
                charge_period_start < billing_period_start
                or charge_period_end > billing_period_end
            )
        ) as is_charged_outside_billing_period
    from charges
),

deviations_by_file_month as (
    select
        file_id,
        provider_name,
        billing_month,
        count(*) as row_count,
        count(unit_outside_format) as unit_outside_format_count,
        sum(case when is_charged_outside_billing_period then 1 else 0 end)
            as charged_outside_billing_period_count,
        min(unit_outside_format) as sample_unit_outside_format,
        min(case when is_charged_outside_billing_period then charge_id end)
            as sample_charge_outside_billing_period
    from charges_checked
    group by
        file_id,
        provider_name,
        billing_month
),

rounded_by_column as (
    select
        charges.source_file_id as file_id,
        coalesce(charges.provider_name, '') as provider_name,
        charges.billing_month,
        rounded_amounts.source_column_name,
        case rounded_amounts.source_column_name
            {% for column, unit in rounded_column_units.items() -%}
            when '{{ column }}' then charges.{{ unit }}
            {% endfor -%}
        end as column_unit,
        count(*) as rounded_amount_count,
        sum(rounded_amounts.rounding_difference) as rounding_difference
    from rounded_amounts
    inner join charges
        on
            rounded_amounts.source_file_id = charges.source_file_id
            and rounded_amounts.source_line = charges.source_line
    group by
        charges.source_file_id,
        coalesce(charges.provider_name, ''),
        charges.billing_month,
        rounded_amounts.source_column_name,
        case rounded_amounts.source_column_name
            {% for column, unit in rounded_column_units.items() -%}
            when '{{ column }}' then charges.{{ unit }}
            {% endfor -%}
        end
),

-- each difference in full, its trailing zeros dropped: `0.0000000000000000000000000001 EUR in
-- BilledCost`
rounded_by_file_month as (
    select
        file_id,
        provider_name,
        billing_month,
        sum(rounded_amount_count) as rounded_amount_count,
        {{ string_agg_sorted(
            "concat_ws(' ', " ~ decimal_text('rounding_difference', 37)
            ~ ", column_unit, 'in', source_column_name)",
            "', '"
        ) }} as rounding_differences
    from rounded_by_column
    group by
        file_id,
        provider_name,
        billing_month
),

named as (
    select
        deviations_by_file_month.*,
        coalesce(columns_missing.missing_columns, '') as missing_columns,
        coalesce(columns_missing.missing_column_count, 0) as missing_column_count,
        coalesce(rounded_by_file_month.rounded_amount_count, 0) as rounded_amount_count,
        rounded_by_file_month.rounding_differences
    from deviations_by_file_month
    left join columns_missing
        on
            deviations_by_file_month.file_id = columns_missing.file_id
            and deviations_by_file_month.provider_name = columns_missing.provider_name
            and deviations_by_file_month.billing_month = columns_missing.billing_month
    left join rounded_by_file_month
        on
            deviations_by_file_month.file_id = rounded_by_file_month.file_id
            and deviations_by_file_month.provider_name = rounded_by_file_month.provider_name
            and deviations_by_file_month.billing_month = rounded_by_file_month.billing_month
),

final as (
    select
        -- ids
        cast(named.billing_month as string) || ' '
        || named.provider_name || ' '
        || files.file_path as file_provider_month,
        named.file_id,
        -- strings
        files.file_path,
        named.provider_name,
        files.focus_version,
        named.missing_columns,
        named.sample_unit_outside_format,
        named.sample_charge_outside_billing_period,
        named.rounding_differences,
        concat_ws(
            '; ',
            case
                when named.missing_column_count > 0
                    then 'not delivered: ' || named.missing_columns
            end,
            case
                when named.unit_outside_format_count > 0
                    then 'units outside the FOCUS unit format: '
                        || cast(named.unit_outside_format_count as string) || ' charge(s)'
            end,
            case
                when named.charged_outside_billing_period_count > 0
                    then 'charged outside the billing period: '
                        || cast(named.charged_outside_billing_period_count as string)
                        || ' charge(s)'
            end,
            case
                when named.rounded_amount_count > 0
                    then cast(named.rounded_amount_count as string)
                        || ' amounts carried more than 12 decimals; rounded half-even to 12'
                        || ' (difference ' || named.rounding_differences || ')'
            end
        ) as deviations,
        -- numerics
        cast(named.row_count as bigint) as row_count,
        cast(named.missing_column_count as bigint) as missing_column_count,
        cast(named.unit_outside_format_count as bigint) as unit_outside_format_count,
        cast(named.charged_outside_billing_period_count as bigint)
            as charged_outside_billing_period_count,
        cast(named.rounded_amount_count as bigint) as rounded_amount_count,
        -- timestamps
        {{ month_built_at() }} as month_built_at,
        -- the month partition: last, for Spark's insert_overwrite (macros/month_incremental.sql)
        named.billing_month
    from named
    inner join files
        on named.file_id = files.file_id
)

select * from final

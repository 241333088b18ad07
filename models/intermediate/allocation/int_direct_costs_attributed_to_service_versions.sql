-- Cost lines that do not enter a shared pool, at the catalog version (owner, business unit, cost
-- center) of their days: direct and central lines at their mapped service, the rest on the
-- explicit `unallocated` bucket with the reason.
{#- the grain: the dimensions of an allocated part (a direct part has no driver) -#}
{%- set dimensions = allocated_part_dimensions(with_driver=false) %}

with

cost_lines as (
    select * from {{ ref('int_cost_lines_assigned_to_pools') }}
    where allocation_assignment in ('direct', 'central', 'unallocated')
),

services as (
    select * from {{ ref('services') }}
),

currencies as (
    select * from {{ ref('stg_fx__currencies') }}
),

lines_to_attribute as (
    select * from cost_lines
    where allocation_assignment in ('direct', 'central')
),

-- A cloud line is a charge date: the catalog version valid on that day.
cloud_lines_with_versions as (
    select
        lines_to_attribute.*,
        services.valid_from as service_valid_from
    from lines_to_attribute
    left join services
        on
            lines_to_attribute.service_id = services.service_id
            and {{ is_valid_on('services', 'lines_to_attribute.period_from') }}
    where lines_to_attribute.source_type = 'cloud'
),

-- An invoice part spans days [period_from, period_to): it is split over the catalog versions of
-- those days in proportion to their days (largest remainder, exact).
invoice_parts as (
    select * from lines_to_attribute
    where source_type = 'invoice'
),

invoice_version_days as (
    select
        invoice_parts.invoice_id,
        invoice_parts.invoice_line_id,
        invoice_parts.billing_month,
        services.valid_from as service_valid_from,
        {{ dbt.datediff(
            clipped_valid_from('services', 'invoice_parts.period_from'),
            clipped_valid_to('services', 'invoice_parts.period_to'),
            'day'
        ) }} as version_days
    from invoice_parts
    inner join services
        on
            invoice_parts.service_id = services.service_id
            and {{ is_valid_during(
                'services',
                'invoice_parts.period_from',
                'invoice_parts.period_to',
            ) }}
),

invoice_parts_split as (
    {{ allocate_cost_amounts(
        pools='invoice_parts',
        receivers='invoice_version_days',
        pool_keys=['invoice_id', 'invoice_line_id', 'billing_month'],
        receiver_keys=['service_valid_from'],
        weight_column='version_days',
        currencies='currencies',
    ) }}
),

invoice_parts_with_versions as (
    select
        invoice_parts.service_id,
        invoice_parts.mapping_rule_id,
        invoice_parts.shared_pool_id,
        invoice_parts.source_type,
        invoice_parts.allocation_assignment,
        invoice_parts.unallocated_reason,
        invoice_parts.billing_currency,
        invoice_parts.cost_pool,
        invoice_parts.cost_sub_pool,
        invoice_parts.tower,
        invoice_parts.sub_tower,
        coalesce(invoice_parts_split.billed_cost_billing, invoice_parts.billed_cost_billing)
            as billed_cost_billing,
        coalesce(invoice_parts_split.effective_cost_billing, invoice_parts.effective_cost_billing)
            as effective_cost_billing,
        case
            when invoice_parts_split.invoice_id is null then invoice_parts.billed_cost_reporting
            else invoice_parts_split.billed_cost_reporting
        end as billed_cost_reporting,
        case
            when invoice_parts_split.invoice_id is null
                then invoice_parts.effective_cost_reporting
            else invoice_parts_split.effective_cost_reporting
        end as effective_cost_reporting,
        invoice_parts.line_count,
        invoice_parts.missing_fx_rate_count,
        invoice_parts.is_idle_cost,
        invoice_parts.billing_month,
        invoice_parts_split.service_valid_from
    from invoice_parts
    left join invoice_parts_split
        on
            invoice_parts.invoice_id = invoice_parts_split.invoice_id
            and invoice_parts.invoice_line_id = invoice_parts_split.invoice_line_id
            and invoice_parts.billing_month = invoice_parts_split.billing_month
),

-- The lines of the explicit `unallocated` bucket, with their reason: no service version.
unallocated_lines as (
    select
        cost_lines.*,
        cast(null as date) as service_valid_from
    from cost_lines
    where cost_lines.allocation_assignment = 'unallocated'
),

-- Every line with its service version; a service without a catalog row for the days of the
-- line goes to `unallocated` (reason service_not_in_catalog), never dropped.
lines_with_versions as (
    {% for relation in [
        'cloud_lines_with_versions',
        'invoice_parts_with_versions',
        'unallocated_lines',
    ] -%}
    select
        case
            when service_valid_from is null then 'unallocated' else service_id
        end as service_id,
        coalesce(service_valid_from, cast('1900-01-01' as date)) as service_valid_from,
        case
            when unallocated_reason = 'no_pool_definition' then shared_pool_id
            else mapping_rule_id
        end as allocation_rule_id,
        shared_pool_id,
        source_type,
        case
            when service_valid_from is null then 'unallocated' else allocation_assignment
        end as allocation_method,
        coalesce(
            unallocated_reason,
            case when service_valid_from is null then 'service_not_in_catalog' end
        ) as unallocated_reason,
        billing_currency,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        billed_cost_billing,
        effective_cost_billing,
        billed_cost_reporting,
        effective_cost_reporting,
        line_count,
        missing_fx_rate_count,
        is_idle_cost,
        billing_month
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

aggregated as (
    select
        {% for dimension in dimensions -%}
        {{ dimension }},
        {% endfor -%}
        {{ sum_cost_amounts(missing_count='missing_fx_rate_count') }},
        sum(line_count) as line_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count
    from lines_with_versions
    group by
        {{ dimensions | join(',\n        ') }}
),

final as (
    select
        -- ids
        service_id,
        allocation_rule_id,
        shared_pool_id,
        -- strings
        source_type,
        allocation_method,
        unallocated_reason,
        billing_currency,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(line_count as bigint) as line_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        -- booleans
        is_idle_cost,
        -- dates
        billing_month,
        service_valid_from
    from aggregated
)

select * from final

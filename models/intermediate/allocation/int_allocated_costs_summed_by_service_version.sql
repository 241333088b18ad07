{#- the grain: the dimensions of an allocated part -#}
{%- set dimensions = allocated_part_dimensions() -%}

with

direct_costs as (
    select * from {{ ref('int_direct_costs_attributed_to_service_versions') }}
),

shared_parts as (
    select * from {{ ref('int_shared_pools_allocated_to_services') }}
),

services as (
    select * from {{ ref('int_service_versions_joined_to_solutions') }}
),

allocated_parts as (
    {% for parts in ['direct_costs', 'shared_parts'] -%}
    select
        {% for dimension in dimensions -%}
        {% if parts == 'direct_costs' and dimension in ['driver_type', 'driver_metric'] -%}
        cast(null as string) as {{ dimension }},
        {% else -%}
        {{ dimension }},
        {% endif -%}
        {% endfor -%}
        billed_cost_billing,
        effective_cost_billing,
        billed_cost_reporting,
        effective_cost_reporting
    from {{ parts }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- A row with a part lacking an FX rate has no reporting amount (null, not a partial sum).
aggregated as (
    select
        {% for dimension in dimensions -%}
        {{ dimension }},
        {% endfor -%}
        {{ sum_cost_amounts() }}
    from allocated_parts
    group by
        {{ dimensions | join(',\n        ') }}
),

final as (
    select
        -- dimensions
        cast(aggregated.billing_month as date) as billing_month,
        cast(aggregated.billing_currency as string) as billing_currency,
        cast(aggregated.source_type as string) as source_type,
        cast(aggregated.service_id as string) as service_id,
        cast(aggregated.service_valid_from as date) as service_valid_from,
        cast(aggregated.cost_pool as string) as cost_pool,
        cast(aggregated.cost_sub_pool as string) as cost_sub_pool,
        cast(aggregated.tower as string) as tower,
        cast(aggregated.sub_tower as string) as sub_tower,
        cast(aggregated.allocation_method as string) as allocation_method,
        cast(aggregated.allocation_rule_id as string) as allocation_rule_id,
        cast(aggregated.shared_pool_id as string) as shared_pool_id,
        cast(aggregated.driver_type as string) as driver_type,
        cast(aggregated.driver_metric as string) as driver_metric,
        cast(aggregated.unallocated_reason as string) as unallocated_reason,
        -- attributes of the service version (the owner of the days the cost is for)
        cast(services.service_name as string) as service_name,
        cast(services.service_type as string) as service_type,
        cast(services.owner as string) as owner,
        cast(services.business_unit as string) as business_unit,
        cast(services.cost_center as string) as cost_center,
        cast('{{ reporting_currency() }}' as string) as reporting_currency,
        -- numerics
        cast(aggregated.billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(aggregated.effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(aggregated.billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(aggregated.effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        -- booleans
        aggregated.is_idle_cost
    from aggregated
    left join services
        on
            aggregated.service_id = services.service_id
            and aggregated.service_valid_from = services.valid_from
)

select * from final

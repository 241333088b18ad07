-- Published with its contract; the logic is int_deploys_joined_to_service_costs_by_day.
with

final as (
    select
        cost_date,
        service_id,
        deploy_count,
        deployed_versions,
        effective_cost_reporting,
        previous_day_cost_reporting,
        cost_change_reporting,
        reporting_currency
    from {{ ref('int_deploys_joined_to_service_costs_by_day') }}
)

select * from final

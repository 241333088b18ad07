-- Published with its contract (the model's yml names and types every column); the logic is
-- int_allocated_costs_summed_by_service_version, which intermediate models read instead of this
-- mart.
with

final as (
    select * from {{ ref('int_allocated_costs_summed_by_service_version') }}
)

select * from final -- noqa: AM04

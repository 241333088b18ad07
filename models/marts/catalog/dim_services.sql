-- Published with its contract (the model's yml names and types every column); the logic is
-- int_service_versions_joined_to_solutions, which intermediate models read instead of this mart.
with

final as (
    select * from {{ ref('int_service_versions_joined_to_solutions') }}
)

select * from final -- noqa: AM04

-- Published with its contract (the model's yml); the logic is int_service_versions_joined_to_solutions, which the models
-- comparing closed months and the other intermediate models read.
with

final as (
    select * from {{ ref('int_service_versions_joined_to_solutions') }}
)

select * from final

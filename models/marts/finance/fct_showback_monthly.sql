-- Published with its contract (the model's yml); the logic is int_allocated_costs_summed_by_owner, which the models
-- comparing closed months and the other intermediate models read.
with

final as (
    select * from {{ ref('int_allocated_costs_summed_by_owner') }}
)

select * from final

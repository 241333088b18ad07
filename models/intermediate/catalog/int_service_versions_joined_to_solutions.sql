with

services as (
    select * from {{ ref('services') }}
),

solutions as (
    select * from {{ ref('tbm_solutions') }}
),

-- `unallocated` is not a catalog service but a first-class bucket of the marts: it gets a member
-- so that every service_id of a fact joins.
unallocated_member as (
    select
        'unallocated' as service_id,
        'Unallocated' as service_name,
        'unallocated' as service_type,
        cast(null as string) as owner,
        cast(null as string) as business_unit,
        cast(null as string) as cost_center,
        cast(null as string) as tbm_solution,
        cast('1900-01-01' as date) as valid_from,
        cast(null as date) as valid_to
),

members as (
    select
        service_id,
        service_name,
        service_type,
        owner,
        business_unit,
        cost_center,
        tbm_solution,
        valid_from,
        valid_to
    from services
    union all
    select * from unallocated_member
),

final as (
    select
        -- ids
        cast(members.service_id as string) as service_id,
        -- strings
        cast(members.service_name as string) as service_name,
        cast(members.service_type as string) as service_type,
        cast(members.owner as string) as owner,
        cast(members.business_unit as string) as business_unit,
        cast(members.cost_center as string) as cost_center,
        cast(members.tbm_solution as string) as tbm_solution,
        cast(solutions.solution_category as string) as tbm_solution_category,
        cast(solutions.solution_type as string) as tbm_solution_type,
        -- booleans
        members.valid_to is null as is_current,
        members.service_id = 'unallocated' as is_unallocated_bucket,
        -- dates
        cast(members.valid_from as date) as valid_from,
        cast(members.valid_to as date) as valid_to
    from members
    left join solutions
        on members.tbm_solution = solutions.solution
)

select * from final

with

services as (
    select * from {{ ref('services') }}
),

-- `unallocated` is not a catalog service but a first-class bucket of the marts: it gets a member
-- so that every service_id of a fact joins.
unallocated_member as (
    select
        'unallocated' as service_id,
        'Unallocated' as service_name,
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
        cast(service_id as string) as service_id,
        -- strings
        cast(service_name as string) as service_name,
        cast(owner as string) as owner,
        cast(business_unit as string) as business_unit,
        cast(cost_center as string) as cost_center,
        cast(tbm_solution as string) as tbm_solution,
        -- booleans
        valid_to is null as is_current,
        service_id = 'unallocated' as is_unallocated_bucket,
        -- dates
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to
    from members
)

select * from final

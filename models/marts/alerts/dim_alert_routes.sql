{#- The route each owner's alerts of each severity take: the most specific of the
    organisation's alert_routes (a named owner before `*`, then a named severity before `*`,
    then the first route_id). Owners: the catalog's current owners, and none (`owner` null:
    alerts of a business unit, the total, or a run). -#}

with

routes as (
    select * from {{ ref('alert_routes') }}
),

owners as (
    select distinct owner
    from {{ ref('dim_services') }}
    where is_current and owner is not null
    union all
    select cast(null as string) as owner
),

severities as (
    select distinct default_severity as severity
    from {{ ref('tbm_alert_rules') }}
),

route_matches as (
    select
        owners.owner,
        severities.severity,
        routes.route_id,
        routes.channel,
        row_number() over (
            partition by owners.owner, severities.severity
            order by
                case when routes.owner = '*' then 1 else 0 end,
                case when routes.severity = '*' then 1 else 0 end,
                routes.route_id
        ) as route_rank
    from owners
    cross join severities
    inner join routes
        on
            (owners.owner = routes.owner or routes.owner = '*')
            and (severities.severity = routes.severity or routes.severity = '*')
),

final as (
    select
        -- ids
        cast(route_id as string) as route_id,
        -- strings
        cast(owner as string) as owner,
        cast(severity as string) as severity,
        cast(channel as string) as channel
    from route_matches
    where route_rank = 1
)

select * from final

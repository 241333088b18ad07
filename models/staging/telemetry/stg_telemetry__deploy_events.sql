with

deploy_events as (
    select * from {{ source('raw', 'deploy_events') }}
),

-- The same deployment delivered again in a later file (a re-export of the CD tool's history)
-- is one deployment: the latest delivery is kept.
deployments_ranked_by_file as (
    select
        *,
        row_number() over (
            partition by
                deployed_at,
                lower(trim(service_id)),
                trim(version),
                lower(trim(coalesce(environment, '')))
            order by _file_id desc, _line desc
        ) as delivery_rank
    from deploy_events
),

renamed as (
    select
        -- ids
        lower(trim(service_id)) as service_id,
        trim(version) as deployed_version,
        nullif(lower(trim(commit_sha)), '') as commit_sha,
        _file_id as source_file_id,
        _line as source_line,
        -- strings
        nullif(lower(trim(environment)), '') as environment,
        -- dates
        cast(deployed_at as date) as deploy_date,
        -- timestamps
        deployed_at
    from deployments_ranked_by_file
    where delivery_rank = 1
)

select * from renamed

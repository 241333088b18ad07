-- Every publication swapped in, as the publisher appends it (audit.publications; the run creates
-- the table before dbt builds: orchestration/warehouse/control_tables.py).
with

publications as (
    select * from {{ source('audit', 'publications') }}
),

renamed as (
    select
        -- ids
        run_id,
        -- timestamps
        published_at
    from publications
)

select * from renamed

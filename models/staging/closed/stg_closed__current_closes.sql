-- The close in force of each closed billing month, as `tbm close` / `tbm reopen` record it. The
-- pre-hook creates the closed schema empty on a warehouse where no month was closed yet
-- (macros/closed_schema.sql), so that this view and its readers always compile.
{{ config(pre_hook=["{{ create_closed_schema() }}"]) }}

with

current_closes as (
    select * from {{ source('closed', 'current_closes') }}
),

renamed as (
    select
        -- ids
        close_id,
        run_id,
        -- strings
        closed_by,
        -- dates
        billing_month,
        -- timestamps
        closed_at
    from current_closes
)

select * from renamed

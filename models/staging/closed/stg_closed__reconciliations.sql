-- The rows of marts.fct_month_end_reconciliation frozen by each close (copied by `tbm close`, never
-- recomputed), with the close_id; the rows of earlier closes of a reopened month stay as
-- history. The columns are the mart's contract (plus close_id), so they pass through as they
-- are. The pre-hook creates the table empty when no month was closed yet; one model at a time
-- writes the closed schema (DuckDB refuses concurrent catalog changes):
-- depends_on: {{ ref('stg_closed__showback_costs') }}
{{ config(pre_hook=["{{ create_closed_table('fct_month_end_reconciliation') }}"]) }}

with

closed_rows as (
    select * from {{ source('closed', 'fct_month_end_reconciliation') }}
)

select * from closed_rows -- noqa: AM04

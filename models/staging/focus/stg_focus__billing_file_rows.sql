-- Every row of every loaded billing file, superseded snapshots included (stg_focus__charges keeps
-- only the current snapshot): what a file delivered, for the raw-extract checks. A view on DuckDB
-- (the folder's default is a table): raw billing is large, and its readers scan the few columns
-- they count; as a table it copied every raw row again in every run (36 s of the run that added
-- a month to 60M rows). On Spark a table, as every model there (dbt_project.yml).
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with

billing as (
    select * from {{ source('raw', 'billing') }}
),

renamed as (
    select
        -- ids
        _file_id as source_file_id,
        _line as source_line,
        billingaccountid as billing_account_id,
        -- strings
        coalesce(serviceprovidername, providername) as provider_name,
        publishername as publisher_name,
        invoiceissuername as invoice_issuer_name,
        servicename as service_name,
        servicecategory as service_category,
        servicesubcategory as service_subcategory,
        -- numerics
        listcost as list_cost,
        contractedcost as contracted_cost,
        -- timestamps
        billingperiodstart as billing_period_start
    from billing
)

select * from renamed

-- Snapshot supersession: for each (provider, billing account, billing period), staging holds
-- exactly the rows of the latest loaded file that contains the key, and nothing of older files.
-- Fails with each key whose staging rows differ from the raw rows of its current file.
with

raw_billing as (
    select
        _file_id,
        coalesce(serviceprovidername, providername, '') as provider_name,
        billingaccountid as billing_account_id,
        billingperiodstart as billing_period_start
    from {{ source('raw', 'billing') }}
),

current_files as (
    select
        provider_name,
        billing_account_id,
        billing_period_start,
        max(_file_id) as current_file_id
    from raw_billing
    group by
        provider_name,
        billing_account_id,
        billing_period_start
),

raw_current_rows as (
    select
        raw_billing.provider_name,
        raw_billing.billing_account_id,
        raw_billing.billing_period_start,
        count(*) as row_count
    from raw_billing
    inner join current_files
        on
            raw_billing.provider_name = current_files.provider_name
            and raw_billing.billing_account_id = current_files.billing_account_id
            and raw_billing.billing_period_start = current_files.billing_period_start
            and raw_billing._file_id = current_files.current_file_id
    group by
        raw_billing.provider_name,
        raw_billing.billing_account_id,
        raw_billing.billing_period_start
),

staging_rows as (
    select
        coalesce(charges.provider_name, '') as provider_name,
        charges.billing_account_id,
        charges.billing_period_start,
        count(*) as row_count,
        sum(
            case when charges.source_file_id = current_files.current_file_id then 0 else 1 end
        ) as superseded_row_count
    from {{ ref('stg_focus__charges') }} as charges
    left join current_files
        on
            coalesce(charges.provider_name, '') = current_files.provider_name
            and charges.billing_account_id = current_files.billing_account_id
            and charges.billing_period_start = current_files.billing_period_start
    group by
        coalesce(charges.provider_name, ''),
        charges.billing_account_id,
        charges.billing_period_start
)

select
    coalesce(raw_current_rows.provider_name, staging_rows.provider_name) as provider_name,
    coalesce(
        raw_current_rows.billing_account_id, staging_rows.billing_account_id
    ) as billing_account_id,
    coalesce(
        raw_current_rows.billing_period_start, staging_rows.billing_period_start
    ) as billing_period_start,
    raw_current_rows.row_count as raw_current_row_count,
    staging_rows.row_count as staging_row_count,
    staging_rows.superseded_row_count
from raw_current_rows
full outer join staging_rows
    on
        raw_current_rows.provider_name = staging_rows.provider_name
        and raw_current_rows.billing_account_id = staging_rows.billing_account_id
        and raw_current_rows.billing_period_start = staging_rows.billing_period_start
where
    raw_current_rows.row_count is null
    or staging_rows.row_count is null
    or raw_current_rows.row_count <> staging_rows.row_count
    or staging_rows.superseded_row_count > 0

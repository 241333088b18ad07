-- Catalog versions (effective-dated rows of seed services) cut into billing months: who owned a
-- service on how many days of each month. Monthly amounts (shared-pool parts, invoice parts) go
-- to the version(s) of their month in proportion to these days; a charge goes to the version of
-- its own charge date.
with

services as (
    select * from {{ ref('services') }}
),

billing_months as (
    select distinct billing_month from {{ ref('int_charges_grouped_for_allocation') }}
    union
    select distinct billing_month from {{ ref('int_invoice_lines_amortized_to_months') }}
),

months_with_ends as (
    select
        billing_month,
        cast({{ dbt.dateadd('month', 1, 'billing_month') }} as date) as next_month
    from billing_months
),

versions_in_months as (
    select
        services.service_id,
        services.service_type,
        services.valid_from as service_valid_from,
        months_with_ends.billing_month,
        {{ clipped_valid_from('services', 'months_with_ends.billing_month') }} as days_from,
        {{ clipped_valid_to('services', 'months_with_ends.next_month') }} as days_to,
        {{ dbt.datediff('months_with_ends.billing_month', 'months_with_ends.next_month', 'day') }}
            as days_in_month
    from services
    inner join months_with_ends
        on
            {{ is_valid_during(
                'services',
                'months_with_ends.billing_month',
                'months_with_ends.next_month',
            ) }}
),

final as (
    select
        -- ids
        service_id,
        -- strings
        service_type,
        -- numerics
        cast({{ dbt.datediff('days_from', 'days_to', 'day') }} as integer) as days_valid, -- noqa: LT05
        cast(days_in_month as integer) as days_in_month,
        -- dates
        service_valid_from,
        billing_month,
        days_from as valid_from_in_month,
        days_to as valid_to_in_month
    from versions_in_months
)

select * from final

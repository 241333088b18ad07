with

converted_charges as (
    select * from {{ ref('int_charges_converted_to_reporting_currency') }}
),

mapped_charges as (
    select * from {{ ref('int_charges_mapped_to_services') }}
),

charges_with_services as (
    select
        converted_charges.*,
        mapped_charges.service_id,
        mapped_charges.mapping_method
    from converted_charges
    inner join mapped_charges
        on converted_charges.charge_id = mapped_charges.charge_id
),

-- A group with a charge lacking an FX rate has no reporting total (null, not a partial sum);
-- the currency gate reports the month.
aggregated as (
    select
        billing_month,
        billing_currency,
        service_id,
        mapping_method,
        reporting_currency,
        sum(billed_cost) as billed_cost_billing,
        sum(effective_cost) as effective_cost_billing,
        case
            when count(*) = count(fx_rate) then sum(billed_cost_reporting)
        end as billed_cost_reporting,
        case
            when count(*) = count(fx_rate) then sum(effective_cost_reporting)
        end as effective_cost_reporting,
        count(*) as charge_count
    from charges_with_services
    group by
        billing_month,
        billing_currency,
        service_id,
        mapping_method,
        reporting_currency
),

final as (
    select
        -- dimensions
        cast(billing_month as date) as billing_month,
        cast(billing_currency as string) as billing_currency,
        cast(service_id as string) as service_id,
        cast(mapping_method as string) as mapping_method,
        cast(reporting_currency as string) as reporting_currency,
        -- numerics
        cast(billed_cost_billing as decimal(38, 12)) as billed_cost_billing,
        cast(effective_cost_billing as decimal(38, 12)) as effective_cost_billing,
        cast(billed_cost_reporting as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(charge_count as bigint) as charge_count
    from aggregated
)

select * from final

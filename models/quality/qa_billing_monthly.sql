with

charge_checks as (
    select * from {{ ref('int_charges_checked_by_account_and_month') }}
),

allocated_costs as (
    select * from {{ ref('fct_allocated_costs') }}
),

-- What is left on `unallocated` after allocation (shared pools distributed, invoices included),
-- over the parts that have an FX rate; the largest unallocated reason names why.
allocation_by_month_and_reason as (
    select
        billing_month,
        unallocated_reason,
        sum(effective_cost_reporting) as effective_cost_reporting
    from allocated_costs
    group by
        billing_month,
        unallocated_reason
),

allocation_by_month_ranked as (
    select
        *,
        row_number() over (
            partition by billing_month
            order by
                case when unallocated_reason is null then 1 else 0 end,
                abs(coalesce(effective_cost_reporting, 0)) desc,
                unallocated_reason
        ) as reason_order
    from allocation_by_month_and_reason
),

allocation_monthly as (
    select
        billing_month,
        coalesce(sum(effective_cost_reporting), 0) as allocated_effective_cost_reporting,
        coalesce(
            sum(case when unallocated_reason is not null then effective_cost_reporting end), 0
        ) as unallocated_effective_cost_reporting,
        max(
            case when reason_order = 1 then unallocated_reason end
        ) as top_unallocated_reason
    from allocation_by_month_ranked
    group by billing_month
),

-- Staging drives: every billing month with a current charge has a row, checked or not (the
-- checks per charge are in int_charges_checked_by_account_and_month).
monthly as (
    select
        billing_month,
        sum(charge_count) as charge_count,
        coalesce(sum(effective_cost_reporting), 0) as effective_cost_reporting,
        coalesce(sum(unmapped_effective_cost_reporting), 0) as unmapped_effective_cost_reporting,
        sum(unknown_currency_count) as unknown_currency_count,
        sum(missing_fx_rate_count) as missing_fx_rate_count,
        sum(null_contracted_cost_count) as null_contracted_cost_count,
        sum(enum_case_error_count) as enum_case_error_count,
        sum(unknown_enum_value_count) as unknown_enum_value_count,
        sum(invalid_tags_json_count) as invalid_tags_json_count,
        -- one example charge per check, to start an investigation from
        min(sample_unknown_currency_charge_id) as sample_unknown_currency_charge_id,
        min(sample_missing_fx_rate_charge_id) as sample_missing_fx_rate_charge_id,
        min(sample_null_contracted_cost_charge_id) as sample_null_contracted_cost_charge_id,
        min(sample_enum_case_error_charge_id) as sample_enum_case_error_charge_id
    from charge_checks
    group by billing_month
),

monthly_with_allocation as (
    select
        monthly.*,
        coalesce(allocation_monthly.allocated_effective_cost_reporting, 0)
            as allocated_effective_cost_reporting,
        coalesce(allocation_monthly.unallocated_effective_cost_reporting, 0)
            as unallocated_effective_cost_reporting,
        allocation_monthly.top_unallocated_reason
    from monthly
    left join allocation_monthly
        on monthly.billing_month = allocation_monthly.billing_month
),

final as (
    select
        -- dimensions
        billing_month,
        -- numerics: volume and cost
        cast(charge_count as bigint) as charge_count,
        cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
        cast(allocated_effective_cost_reporting as decimal(38, 12))
            as allocated_effective_cost_reporting,
        cast(unallocated_effective_cost_reporting as decimal(38, 12))
            as unallocated_effective_cost_reporting,
        {{ decimal_share(
            'unallocated_effective_cost_reporting', 'allocated_effective_cost_reporting'
        ) }} as unallocated_share,
        cast(unmapped_effective_cost_reporting as decimal(38, 12))
            as unmapped_effective_cost_reporting,
        {{ decimal_share('unmapped_effective_cost_reporting', 'effective_cost_reporting') }}
            as unmapped_share,
        -- numerics: check counts (charges)
        cast(unknown_currency_count as bigint) as unknown_currency_count,
        cast(missing_fx_rate_count as bigint) as missing_fx_rate_count,
        cast(unknown_currency_count + missing_fx_rate_count as bigint) as currency_error_count,
        cast(null_contracted_cost_count as bigint) as null_contracted_cost_count,
        cast(enum_case_error_count as bigint) as enum_case_error_count,
        cast(unknown_enum_value_count as bigint) as unknown_enum_value_count,
        cast(invalid_tags_json_count as bigint) as invalid_tags_json_count,
        -- strings: sample keys
        sample_unknown_currency_charge_id,
        sample_missing_fx_rate_charge_id,
        sample_null_contracted_cost_charge_id,
        sample_enum_case_error_charge_id,
        top_unallocated_reason
    from monthly_with_allocation
)

select * from final

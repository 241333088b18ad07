-- One row per catalog service `tbm discover --write` drafts: every service a drafted rule maps
-- to (int_charges_assigned_to_draft_services), with the charges and effective cost (reporting
-- currency) mapped to it and its share of all cost. The columns are those of the organisation's
-- services.csv: service_type `business`, the TBM solution var('onboarding_draft_tbm_solution'),
-- business unit var('onboarding_draft_business_unit'), valid from
-- var('onboarding_draft_valid_from'); the command writes the owner (`draft: covers ...`) from
-- the covered cost.
with

assignments as (
    select * from {{ ref('int_charges_assigned_to_draft_services') }}
),

tag_values as (
    select * from {{ ref('int_tag_values_measured_by_cost') }}
),

total_cost as (
    select sum(effective_cost_reporting) as effective_cost_reporting
    from assignments
),

services_summed as (
    select
        service_id,
        max(case when draft_basis = 'tag' then 1 else 0 end) = 1 as is_named_by_tag,
        min(case when draft_basis = 'tag' then tag_key end) as tag_key,
        min(case when draft_basis = 'account_service' then account_name end) as account_name,
        count(*) as charge_count,
        sum(effective_cost_reporting) as covered_cost_reporting
    from assignments
    group by service_id
),

-- the display name of a tag-named service: its most costly spelling under its tag key
tag_spellings as (
    select
        tag_key,
        tag_value_key,
        tag_value
    from tag_values
),

final as (
    select
        -- ids
        services_summed.service_id,
        -- strings
        coalesce(
            tag_spellings.tag_value, services_summed.account_name, services_summed.service_id
        ) as service_name,
        'business' as service_type,
        '{{ var("onboarding_draft_business_unit") }}' as business_unit,
        '{{ var("onboarding_draft_tbm_solution") }}' as tbm_solution,
        case when services_summed.is_named_by_tag then 'tag' else 'account' end as draft_basis,
        services_summed.tag_key,
        services_summed.account_name,
        -- numerics
        cast(services_summed.charge_count as bigint) as charge_count,
        cast(services_summed.covered_cost_reporting as decimal(38, 12))
            as covered_cost_reporting,
        {{ decimal_divide(
            'services_summed.covered_cost_reporting', 'total_cost.effective_cost_reporting', 10
        ) }} as covered_share,
        -- dates
        cast('{{ var("onboarding_draft_valid_from") }}' as date) as valid_from,
        cast(null as date) as valid_to
    from services_summed
    cross join total_cost
    left join tag_spellings
        on
            services_summed.tag_key = tag_spellings.tag_key
            and services_summed.service_id = tag_spellings.tag_value_key
)

select * from final

{%- set treatment = var('unused_commitment_treatment') -%}
{%- if treatment not in ['central', 'shared'] -%}
    {{ exceptions.raise_compiler_error(
        "var unused_commitment_treatment must be 'central' or 'shared', not '"
        ~ treatment ~ "' (dbt_project.yml or --vars)") }}
{%- endif -%}

with

charge_groups as (
    select * from {{ ref('int_charges_grouped_for_allocation') }}
),

invoice_months as (
    select * from {{ ref('int_invoice_lines_amortized_to_months') }}
),

invoice_mappings as (
    select * from {{ ref('int_invoice_lines_mapped_to_services') }}
),

cost_profiles as (
    select * from {{ ref('int_cost_profiles_mapped_to_taxonomy') }}
),

membership_rules as (
    select * from {{ ref('pool_membership_rules') }}
),

pools_by_month as (
    select * from {{ ref('int_shared_pools_defined_by_month') }}
),

-- Cost lines: the charge groups of the cloud bills and the monthly parts of SaaS and vendor
-- invoice lines, with the attributes the taxonomy and pool rules read ('' for none).
cost_lines as (
    select
        -- ids
        service_id,
        mapping_rule_id,
        cast(null as string) as invoice_id,
        cast(null as string) as invoice_line_id,
        -- strings
        {{ cost_profile_columns('cloud') }},
        billing_currency,
        -- numerics
        billed_cost_billing,
        effective_cost_billing,
        billed_cost_reporting,
        effective_cost_reporting,
        charge_count as line_count,
        missing_fx_rate_count,
        -- booleans
        is_idle_cost,
        -- dates
        billing_month,
        charge_date as period_from,
        cast({{ dbt.dateadd('day', 1, 'charge_date') }} as date) as period_to
    from charge_groups

    union all

    select
        -- ids
        invoice_mappings.service_id,
        invoice_mappings.mapping_rule_id,
        invoice_months.invoice_id,
        invoice_months.invoice_line_id,
        -- strings
        {{ cost_profile_columns('invoice', 'invoice_months') }},
        invoice_months.billing_currency,
        -- numerics
        invoice_months.billed_cost_billing,
        invoice_months.effective_cost_billing,
        invoice_months.billed_cost_reporting,
        invoice_months.effective_cost_reporting,
        cast(1 as bigint) as line_count,
        cast(case when invoice_months.has_missing_fx_rate then 1 else 0 end as bigint)
            as missing_fx_rate_count,
        -- booleans
        false as is_idle_cost,
        -- dates
        invoice_months.billing_month,
        invoice_months.service_days_from as period_from,
        invoice_months.service_days_to as period_to
    from invoice_months
    inner join invoice_mappings
        on
            invoice_months.invoice_id = invoice_mappings.invoice_id
            and invoice_months.invoice_line_id = invoice_mappings.invoice_line_id
),

-- Pool membership is decided once per membership profile (source, service, charge category,
-- idle, month), not per line: first match wins, lowest priority then rule id.
membership_profiles as (
    select distinct
        source_type,
        service_id,
        charge_category,
        is_idle_cost,
        billing_month
    from cost_lines
),

membership_matches as (
    select
        membership_profiles.*,
        membership_rules.rule_id as membership_rule_id,
        membership_rules.pool_id,
        row_number() over (
            partition by
                membership_profiles.source_type,
                membership_profiles.service_id,
                membership_profiles.charge_category,
                membership_profiles.is_idle_cost,
                membership_profiles.billing_month
            order by membership_rules.priority, membership_rules.rule_id
        ) as match_order
    from membership_profiles
    inner join membership_rules
        on
            (
                membership_rules.source_type is null
                or membership_profiles.source_type = membership_rules.source_type
            )
            and (
                membership_rules.match_service_id is null
                or membership_profiles.service_id = membership_rules.match_service_id
            )
            and (
                membership_rules.match_charge_category is null
                or lower(membership_profiles.charge_category)
                = lower(membership_rules.match_charge_category)
            )
            and (
                membership_rules.match_is_idle_cost is null
                or membership_profiles.is_idle_cost = membership_rules.match_is_idle_cost
            )
            and {{ is_valid_on('membership_rules', 'membership_profiles.billing_month') }}
),

first_membership_matches as (
    select * from membership_matches
    where match_order = 1
),

lines_classified as (
    select
        cost_lines.*,
        cost_profiles.cost_pool,
        cost_profiles.cost_sub_pool,
        cost_profiles.tower,
        cost_profiles.sub_tower,
        cost_profiles.cost_pool_rule_id,
        cost_profiles.tower_rule_id,
        first_membership_matches.membership_rule_id,
        first_membership_matches.pool_id,
        pools_by_month.pool_id is not null as is_pool_defined,
        coalesce(pools_by_month.pool_kind = 'idle', false) as is_idle_pool
    from cost_lines
    left join cost_profiles
        on
            {% for column in cost_profile_keys() -%}
            cost_lines.{{ column }} = cost_profiles.{{ column }}
            and
            {% endfor -%}
            cost_lines.billing_month = cost_profiles.billing_month
    left join first_membership_matches
        on
            cost_lines.source_type = first_membership_matches.source_type
            and cost_lines.service_id = first_membership_matches.service_id
            and cost_lines.charge_category = first_membership_matches.charge_category
            and cost_lines.is_idle_cost = first_membership_matches.is_idle_cost
            and cost_lines.billing_month = first_membership_matches.billing_month
    left join pools_by_month
        on
            first_membership_matches.pool_id = pools_by_month.pool_id
            and cost_lines.billing_month = pools_by_month.billing_month
),

-- The decision for each line:
--   pool        it enters a shared pool (distributed per month by the pool's driver);
--   central     an unused commitment kept at the service it maps to (var
--               unused_commitment_treatment = central), on its own line;
--   direct      its mapped catalog service;
--   unallocated the explicit bucket, with the reason.
lines_assigned as (
    select
        *,
        case
            when pool_id is not null and is_idle_pool and '{{ treatment }}' = 'central'
                then case when service_id = 'unallocated' then 'unallocated' else 'central' end
            when pool_id is not null and not is_pool_defined then 'unallocated'
            when pool_id is not null then 'pool'
            when service_id = 'unallocated' then 'unallocated'
            else 'direct'
        end as allocation_assignment,
        case
            when pool_id is not null and is_idle_pool and '{{ treatment }}' = 'central'
                then case when service_id = 'unallocated' then 'no_mapping_rule' end
            when pool_id is not null and not is_pool_defined then 'no_pool_definition'
            when pool_id is not null then null
            when service_id = 'unallocated' then 'no_mapping_rule'
        end as unallocated_reason
    from lines_classified
),

final as (
    select
        -- ids
        service_id,
        mapping_rule_id,
        pool_id as shared_pool_id,
        membership_rule_id,
        cost_pool_rule_id,
        tower_rule_id,
        invoice_id,
        invoice_line_id,
        -- strings
        source_type,
        allocation_assignment,
        unallocated_reason,
        billing_currency,
        cost_pool,
        cost_sub_pool,
        tower,
        sub_tower,
        -- numerics
        billed_cost_billing,
        effective_cost_billing,
        billed_cost_reporting,
        effective_cost_reporting,
        line_count,
        missing_fx_rate_count,
        -- booleans
        is_idle_cost,
        -- dates
        billing_month,
        period_from,
        period_to
    from lines_assigned
)

select * from final

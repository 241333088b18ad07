{%- set match_columns = cost_profile_keys() -%}

with

charge_groups as (
    select * from {{ ref('int_charges_grouped_for_allocation') }}
),

invoice_months as (
    select * from {{ ref('int_invoice_lines_amortized_to_months') }}
),

cost_pool_rules as (
    select * from {{ ref('cost_pool_rules') }}
),

tower_rules as (
    select * from {{ ref('tower_rules') }}
),

-- A cost profile: the attributes the rules read, per billing month. Rules are matched once per
-- profile (a few hundred), not per charge. Empty string stands for null so that the profile
-- is an equality join key for the cost lines (macros/cost_profiles.sql).
cost_profiles as (
    select distinct
        {{ cost_profile_columns('cloud') }},
        billing_month
    from charge_groups

    union

    select distinct
        {{ cost_profile_columns('invoice') }},
        billing_month
    from invoice_months
),

{% for rules, target in [('cost_pool_rules', 'cost_pool'), ('tower_rules', 'tower')] %}
-- first match wins: lowest priority, then rule id; an empty rule column matches any value
{{ target }}_matches as (
    select
        {% for column in match_columns -%}
        cost_profiles.{{ column }},
        {% endfor -%}
        cost_profiles.billing_month,
        {{ rules }}.rule_id,
        {% if target == 'cost_pool' -%}
        {{ rules }}.cost_pool,
        {{ rules }}.cost_sub_pool,
        {%- else -%}
        {{ rules }}.tower,
        {{ rules }}.sub_tower,
        {%- endif %}
        row_number() over (
            partition by
                {% for column in match_columns -%}
                cost_profiles.{{ column }},
                {% endfor -%}
                cost_profiles.billing_month
            order by {{ rules }}.priority, {{ rules }}.rule_id
        ) as match_order
    from cost_profiles
    inner join {{ rules }}
        on
            {% for column in match_columns -%}
            (
                {{ rules }}.{{ column }} is null
                or lower(trim({{ rules }}.{{ column }})) = lower(trim(cost_profiles.{{ column }}))
            )
            and
            {% endfor -%}
            {{ is_valid_on(rules, 'cost_profiles.billing_month') }}
),

{% endfor %}
final as (
    select
        -- ids
        {% for column in match_columns -%}
        cost_profiles.{{ column }},
        {% endfor -%}
        cost_pool_matches.rule_id as cost_pool_rule_id,
        tower_matches.rule_id as tower_rule_id,
        -- strings: a profile no rule classifies (no catch-all rule) is labelled, not dropped
        coalesce(cost_pool_matches.cost_pool, 'Other') as cost_pool,
        coalesce(cost_pool_matches.cost_sub_pool, 'Other') as cost_sub_pool,
        coalesce(tower_matches.tower, 'IT Management') as tower,
        coalesce(tower_matches.sub_tower, 'Unclassified') as sub_tower,
        -- dates
        cost_profiles.billing_month
    from cost_profiles
    left join cost_pool_matches
        on
            {% for column in match_columns -%}
            cost_pool_matches.{{ column }} = cost_profiles.{{ column }}
            and
            {% endfor -%}
            cost_pool_matches.billing_month = cost_profiles.billing_month
            and cost_pool_matches.match_order = 1
    left join tower_matches
        on
            {% for column in match_columns -%}
            tower_matches.{{ column }} = cost_profiles.{{ column }}
            and
            {% endfor -%}
            tower_matches.billing_month = cost_profiles.billing_month
            and tower_matches.match_order = 1
)

select * from final

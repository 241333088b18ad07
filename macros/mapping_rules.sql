{#- The service mapping rules (seed mapping_rules), as int_charges_mapped_to_services and
    int_invoice_lines_mapped_to_services apply them. -#}

{#- mapping_rule_applies(rules, provider_name, day): the rule (table alias `rules`) applies to
    a row of provider `provider_name` dated `day`: it names no provider or that one, and it is
    in force on the day. A conjunction: combine it with `and`. -#}
{% macro mapping_rule_applies(rules, provider_name, day) -%}
    (
        {{ rules }}.provider_name is null
        or {{ provider_name }} = {{ rules }}.provider_name
    )
    and {{ is_valid_on(rules, day) }}
{%- endmacro %}

{#- first_mapping_rule_matches(matches, partition_by): of the rule matches of each mapped row
    (partition_by), the one that wins: the lowest precedence (rule level), then the lowest
    priority, then the rule id, then the service id (a rule matching one row twice, e.g. through
    two tags `app` and `Application`, stays deterministic). A select of the matches' columns
    and match_order (1). -#}
{% macro first_mapping_rule_matches(matches, partition_by) -%}
    select * from (
        select
            *,
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by precedence, priority, rule_id, service_id
            ) as match_order
        from {{ matches }}
    ) as rule_matches_ranked
    where match_order = 1
{%- endmacro %}

{#- fallback_mapping_rules(rules, dated_rows, date_column): the explicit fallback rule
    (rule_type fallback, service `unallocated`) in force on each date of `dated_rows`: the
    lowest priority, then the lowest rule id. A select of date_column, rule_id and service_id,
    one row per date that has such a rule. -#}
{% macro fallback_mapping_rules(rules, dated_rows, date_column) -%}
    select
        {{ date_column }},
        rule_id,
        service_id
    from (
        select
            mapping_days.{{ date_column }},
            {{ rules }}.rule_id,
            {{ rules }}.service_id,
            row_number() over (
                partition by mapping_days.{{ date_column }}
                order by {{ rules }}.priority, {{ rules }}.rule_id
            ) as fallback_order
        from (select distinct {{ date_column }} from {{ dated_rows }}) as mapping_days
        inner join {{ rules }}
            on
                {{ rules }}.rule_type = 'fallback'
                and {{ is_valid_on(rules, 'mapping_days.' ~ date_column) }}
    ) as fallback_rules_ranked
    where fallback_order = 1
{%- endmacro %}

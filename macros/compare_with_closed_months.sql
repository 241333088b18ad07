{#- Closed months against the current data, for a frozen mart: the rows frozen at the close in
    force (stg_closed__current_closes) and the rows the current data gives for the same months,
    summed per billing_month and key, compared amount by amount (closed_, would_be_,
    adjustment_ = would_be - closed; 0 where a side has no row), with the close id and the next
    open month (the first later month that is not closed), where the adjustment is booked.
    Attribute columns (e.g. a status) are carried as closed_<attr> / would_be_<attr>.
    Column names are our own constants, passed by the calling model.
    Emits CTEs only (no leading `with`, no final select), the last one `compared_with_closes`:
    the caller writes `with {{ compare_with_closed_months(...) }} select * from
    compared_with_closes` or adds its own CTEs after a comma. -#}
{% macro compare_with_closed_months(
    current_relation, closed_relation, key_columns, amount_columns, attribute_columns=[]
) %}
current_closes as (
    select * from {{ ref('stg_closed__current_closes') }}
),

closed_rows as (
    select * from {{ closed_relation }}
),

current_rows as (
    select * from {{ current_relation }}
),

closed_rows_in_force as (
    select closed_rows.*
    from closed_rows
    inner join current_closes
        on closed_rows.close_id = current_closes.close_id
),

-- the figures the current data gives for the closed months
would_be_rows as (
    select current_rows.*
    from current_rows
    inner join current_closes
        on current_rows.billing_month = current_closes.billing_month
),

{% for side in ['closed', 'would_be'] %}
{{ side }}_totals as (
    select
        billing_month,
        {% for key in key_columns -%}
        {{ key }},
        {% endfor -%}
        {% for attribute in attribute_columns -%}
        max({{ attribute }}) as {{ attribute }},
        {% endfor -%}
        {% for amount in amount_columns -%}
        sum({{ amount }}) as {{ amount }}{{ "," if not loop.last }}
        {% endfor -%}
    from {{ 'closed_rows_in_force' if side == 'closed' else 'would_be_rows' }}
    group by
        billing_month{% for key in key_columns %},
        {{ key }}{% endfor %}
),
{% endfor %}

-- an amount missing on a side (no row, or a null sum: no FX rate) counts as 0
compared as (
    select
        coalesce(closed_totals.billing_month, would_be_totals.billing_month) as billing_month,
        {% for key in key_columns -%}
        coalesce(closed_totals.{{ key }}, would_be_totals.{{ key }}) as {{ key }},
        {% endfor -%}
        {% for attribute in attribute_columns -%}
        closed_totals.{{ attribute }} as closed_{{ attribute }},
        would_be_totals.{{ attribute }} as would_be_{{ attribute }},
        {% endfor -%}
        {% for amount in amount_columns -%}
        coalesce(closed_totals.{{ amount }}, 0) as closed_{{ amount }},
        coalesce(would_be_totals.{{ amount }}, 0) as would_be_{{ amount }},
        {{ decimal_subtract(
            'coalesce(would_be_totals.' ~ amount ~ ', 0)',
            'coalesce(closed_totals.' ~ amount ~ ', 0)',
        ) }} as adjustment_{{ amount }},
        {% endfor -%}
        closed_totals.billing_month is not null as is_in_closed_figures,
        would_be_totals.billing_month is not null as is_in_current_data
    from closed_totals
    full outer join would_be_totals
        on
            closed_totals.billing_month = would_be_totals.billing_month
            {% for key in key_columns -%}
            and closed_totals.{{ key }} is not distinct from would_be_totals.{{ key }}
            {% endfor %}
),

-- The next open month of a closed month: the first later month that is not closed.
candidate_months as (
    select cast({{ dbt.dateadd("month", 1, "billing_month") }} as date) as billing_month
    from current_closes
    union
    select distinct billing_month from current_rows
),

open_months as (
    select candidate_months.billing_month
    from candidate_months
    left join current_closes
        on candidate_months.billing_month = current_closes.billing_month
    where current_closes.billing_month is null
),

next_open_months as (
    select
        current_closes.billing_month,
        min(open_months.billing_month) as next_open_month
    from current_closes
    inner join open_months
        on current_closes.billing_month < open_months.billing_month
    group by current_closes.billing_month
),

compared_with_closes as (
    select
        compared.*,
        current_closes.close_id,
        next_open_months.next_open_month,
        (
            {% for amount in amount_columns -%}
            compared.adjustment_{{ amount }} <> 0{{ " or" if not loop.last }}
            {% endfor -%}
            {% for attribute in attribute_columns -%}
            or compared.closed_{{ attribute }} is distinct from compared.would_be_{{ attribute }}
            {% endfor -%}
        ) as is_restated
    from compared
    inner join current_closes
        on compared.billing_month = current_closes.billing_month
    left join next_open_months
        on compared.billing_month = next_open_months.billing_month
)
{% endmacro %}

{#- The rows of a *_with_adjustments mart: open months as the current data gives them
    (`current`), closed months as frozen at the close (`closed`), and what changed in a closed
    month since its close booked in its next open month (`adjustment`, adjusted_month = the
    closed month). Emits the CTEs current_rows, compared, closed_months, open_month_rows,
    closed_rows, adjustment_rows and unioned (no leading `with`, no final select); the
    columns of `unioned`: billing_month, the keys, the attributes, the amounts, row_type,
    adjusted_month. Attributes take the current value in open months, closed_<attr> in closed
    rows and would_be_<attr> in adjustments. -#}
{% macro union_with_adjustments(
    current_relation,
    compared_relation,
    key_columns,
    amount_columns,
    attribute_columns=[],
    sum_current=false,
    closed_condition='is_in_closed_figures',
    adjustment_condition='is_restated'
) %}
current_rows as (
    select * from {{ current_relation }}
),

compared as (
    select * from {{ compared_relation }}
),

closed_months as (
    select distinct billing_month from compared
),

-- open months: the figures of the current data
open_month_rows as (
    select
        current_rows.billing_month,
        {% for key in key_columns -%}
        current_rows.{{ key }},
        {% endfor -%}
        {% for attribute in attribute_columns -%}
        current_rows.{{ attribute }},
        {% endfor -%}
        {% for amount in amount_columns -%}
        {% if sum_current -%}
        sum(current_rows.{{ amount }}) as {{ amount }},
        {% else -%}
        current_rows.{{ amount }},
        {% endif -%}
        {% endfor -%}
        'current' as row_type,
        cast(null as date) as adjusted_month
    from current_rows
    left join closed_months
        on current_rows.billing_month = closed_months.billing_month
    where closed_months.billing_month is null
    {% if sum_current -%}
    group by
        current_rows.billing_month{% for key in key_columns %},
        current_rows.{{ key }}{% endfor %}
    {% endif -%}
),

-- closed months: the figures frozen at the close (closed_); adjustments: what changed in a
-- closed month since its close (adjustment_), booked in its next open month
{#- a where clause never starts with a parenthesis: Spark (ANSI off) reads `from compared where
    (x)` as the alias `where` with the column list (x) -#}
{% for row_type, amount_prefix, attribute_prefix, month, adjusted_month, condition in [
    ('closed', 'closed_', 'closed_', 'billing_month', 'cast(null as date)', closed_condition),
    ('adjustment', 'adjustment_', 'would_be_', 'next_open_month', 'billing_month',
        'next_open_month is not null and (' ~ adjustment_condition ~ ')'),
] %}
{{ row_type }}_rows as (
    select
        {{ month }} as billing_month,
        {% for key in key_columns -%}
        {{ key }},
        {% endfor -%}
        {% for attribute in attribute_columns -%}
        {{ attribute_prefix }}{{ attribute }} as {{ attribute }},
        {% endfor -%}
        {% for amount in amount_columns -%}
        {{ amount_prefix }}{{ amount }} as {{ amount }},
        {% endfor -%}
        '{{ row_type }}' as row_type,
        {{ adjusted_month }} as adjusted_month
    from compared
    where {{ condition }}
),
{% endfor %}
unioned as (
    select * from open_month_rows
    union all
    select * from closed_rows
    union all
    select * from adjustment_rows
)
{% endmacro %}

{#- The columns of a restatement mart (after its keys and close_id), typed: per amount its
    closed_, would_be_ and adjustment_ value, then is_restated, billing_month and
    next_open_month, from a comparison of compare_with_closed_months. -#}
{% macro restatement_columns(amount_columns) %}
        -- numerics
        {% for amount in amount_columns -%}
        cast(closed_{{ amount }} as decimal(38, 12)) as closed_{{ amount }},
        cast(would_be_{{ amount }} as decimal(38, 12)) as would_be_{{ amount }},
        cast(adjustment_{{ amount }} as decimal(38, 12)) as adjustment_{{ amount }},
        {% endfor -%}
        -- booleans
        is_restated,
        -- dates
        cast(billing_month as date) as billing_month,
        cast(next_open_month as date) as next_open_month
{%- endmacro %}

{#- The columns of a *_with_adjustments mart after its keys, typed: row_type, the amounts,
    billing_month and adjusted_month, from `unioned` of union_with_adjustments. -#}
{% macro with_adjustments_columns(amount_columns) %}
        cast(row_type as string) as row_type,
        -- numerics
        {% for amount in amount_columns -%}
        cast({{ amount }} as decimal(38, 12)) as {{ amount }},
        {% endfor -%}
        -- dates
        cast(billing_month as date) as billing_month,
        cast(adjusted_month as date) as adjusted_month
{%- endmacro %}

{#- The grain of each frozen mart besides billing_month: the keys its comparison with the closed
    months and its *_with_adjustments mart are per. -#}
{% macro frozen_mart_keys(mart) -%}
    {%- set keys = {
        'fct_allocated_costs': ['billing_currency', 'service_id'],
        'fct_showback_monthly': ['business_unit', 'cost_center', 'reporting_currency'],
        'fct_month_end_reconciliation': [
            'reconciliation_id',
            'invoice_id',
            'billing_account_id',
            'provider_name',
            'billing_currency',
            'reporting_currency',
        ],
    } -%}
    {{ return(keys[mart]) }}
{%- endmacro %}

{#- The additive amounts of each frozen mart (the marts `tbm close` copies into `closed`), in
    the mart's column order: compared with the closed months, unioned with their adjustments and
    shown in the restatements. -#}
{% macro frozen_mart_amounts(mart) -%}
    {%- set amounts = {
        'fct_allocated_costs': [
            'billed_cost_billing',
            'effective_cost_billing',
            'billed_cost_reporting',
            'effective_cost_reporting',
        ],
        'fct_showback_monthly': [
            'billed_cost_reporting',
            'effective_cost_reporting',
            'direct_effective_cost_reporting',
            'shared_effective_cost_reporting',
            'unallocated_effective_cost_reporting',
            'idle_effective_cost_reporting',
        ],
        'fct_month_end_reconciliation': [
            'invoice_total_billing',
            'billed_cost_billing',
            'allocated_cost_billing',
            'invoice_total_reporting',
            'billed_cost_reporting',
            'allocated_cost_reporting',
        ],
    } -%}
    {{ return(amounts[mart]) }}
{%- endmacro %}

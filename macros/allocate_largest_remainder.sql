{#- Largest-remainder allocation (Hamilton's method): the one algorithm every allocation model uses
    (shared pools to services, prepaid invoices to months, monthly amounts to catalog versions).

    allocate_largest_remainder(pools, receivers, pool_keys, receiver_keys, weight_column,
                               amount_columns, decimals={}, weight_scale=6)
    returns a select with one row per (pool, receiver) of a pool whose total weight is positive:
    the pool_keys, the receiver_keys, weight_column, and each amount column allocated (same name).

    For each pool and amount column:
    1. The amount A is taken as an integer number of granules. The granule is one unit of the
       column's decimals (`decimals[column]`, an SQL expression over the pools' columns, e.g. the
       currency's ISO 4217 minor units) when A is a whole number of such units, else 10^-12 (the
       storage scale, decimal(38, 12)): so parts come out in cents whenever the pool is in cents,
       and the allocation is exact in every case.
    2. Weights (receivers.weight_column; null or negative count as 0) are taken as integers at
       weight_scale decimals: w_i, W = sum w_i. A pool with W = 0 gets no rows (the caller keeps
       it visible as unallocated).
    3. Each receiver gets floor(|A| w_i / W) granules, computed exactly in integers as
       (|A| div W) w_i + ((|A| mod W) w_i) div W; the remainder is ((|A| mod W) w_i) mod W.
    4. The residue R = |A| - sum of the floors (0 <= R < number of receivers with a positive
       remainder) goes one granule each to the R receivers with the largest remainders; ties by
       the larger weight, then the receiver keys ascending. Receivers of weight 0 get nothing.
    5. A negative pool (a credit) is allocated as |A| and the sign applied to every part.
    So the parts of every pool sum exactly to the pool, and each part is within one granule of
    its exact share |A| w_i / W.

    Range: |A| below 10^26 (decimal(38, 12)); W below 10^19 weight units (10^13 at weight_scale
    6), so that (|A| mod W) w_i fits 128 bits. DuckDB raises an overflow error beyond, never a
    wrong value. Null amounts give null parts.

    Engines: the algorithm is written once (default__); the integer type, exact integer division
    and the conversion to and from integer units are dispatched helpers below (DuckDB: hugeint and
    `//`; other engines: decimal(38, 0) and exact division of a multiple, not run yet). -#}

{% macro allocate_largest_remainder(
    pools,
    receivers,
    pool_keys,
    receiver_keys,
    weight_column,
    amount_columns,
    decimals={},
    weight_scale=6
) -%}
    {{ return(adapter.dispatch('allocate_largest_remainder', 'tbm_warehouse')(
        pools, receivers, pool_keys, receiver_keys, weight_column, amount_columns, decimals,
        weight_scale)) }}
{%- endmacro %}

{% macro default__allocate_largest_remainder(
    pools,
    receivers,
    pool_keys,
    receiver_keys,
    weight_column,
    amount_columns,
    decimals,
    weight_scale
) -%}
{%- set int_type = tbm_warehouse.lr_integer_type() -%}
{%- set pool_key_list = pool_keys | join(', ') -%}
{%- set receiver_order = receiver_keys | join(', ') -%}
{#- the receivers' columns carried from the first select to the last -#}
{%- set carried_columns = pool_keys + receiver_keys + [weight_column] -%}
select
    {% for column in carried_columns -%}
    lr_ranked.{{ column }},
    {% endfor -%}
    {% for column in amount_columns -%}
    {{ tbm_warehouse.lr_from_units(
        'lr_ranked.lr_sign_' ~ loop.index ~ ' * (lr_ranked.lr_floor_' ~ loop.index
        ~ ' + case when lr_ranked.lr_rank_' ~ loop.index ~ ' <= lr_ranked.lr_residue_'
        ~ loop.index ~ ' then 1 else 0 end) * lr_ranked.lr_granule_' ~ loop.index
    ) }} as {{ column }}{{ ',' if not loop.last }}
    {% endfor %}
from (
    select
        lr_floored.*,
        {% for column in amount_columns -%}
        row_number() over (
            partition by {{ pool_key_list }}
            order by
                lr_floored.lr_remainder_{{ loop.index }} desc,
                lr_floored.lr_weight_units desc,
                {{ receiver_order }}
        ) as lr_rank_{{ loop.index }},
        lr_floored.lr_granules_{{ loop.index }}
        - sum(lr_floored.lr_floor_{{ loop.index }}) over (
            partition by {{ pool_key_list }}
        ) as lr_residue_{{ loop.index }}{{ ',' if not loop.last }}
        {% endfor %}
    from (
        select
            lr_granulated.*,
            {% for column in amount_columns -%}
            {{ tbm_warehouse.lr_integer_divide(
                'lr_granulated.lr_granules_' ~ loop.index, 'lr_granulated.lr_weight_total'
            ) }} * lr_granulated.lr_weight_units
            + {{ tbm_warehouse.lr_integer_divide(
                '(lr_granulated.lr_granules_' ~ loop.index ~ ' % lr_granulated.lr_weight_total)'
                ~ ' * lr_granulated.lr_weight_units',
                'lr_granulated.lr_weight_total'
            ) }} as lr_floor_{{ loop.index }},
            ((lr_granulated.lr_granules_{{ loop.index }} % lr_granulated.lr_weight_total)
            * lr_granulated.lr_weight_units) % lr_granulated.lr_weight_total
                as lr_remainder_{{ loop.index }}{{ ',' if not loop.last }}
            {% endfor %}
        from (
            select
                lr_weighted.*,
                {% for column in amount_columns -%}
                case
                    when lr_weighted.lr_units_{{ loop.index }} < 0
                        then cast(-1 as {{ int_type }})
                    else cast(1 as {{ int_type }})
                end as lr_sign_{{ loop.index }},
                {{ tbm_warehouse.lr_integer_divide(
                    'abs(lr_weighted.lr_units_' ~ loop.index ~ ')',
                    'lr_weighted.lr_granule_' ~ loop.index
                ) }} as lr_granules_{{ loop.index }}{{ ',' if not loop.last }}
                {% endfor %}
            from (
                select
                    lr_joined.*,
                    {% for column in amount_columns -%}
                    case
                        when lr_joined.lr_units_{{ loop.index }}
                            % lr_joined.lr_decimal_unit_{{ loop.index }} = 0
                            then lr_joined.lr_decimal_unit_{{ loop.index }}
                        else cast(1 as {{ int_type }})
                    end as lr_granule_{{ loop.index }},
                    {% endfor -%}
                    sum(lr_joined.lr_weight_units) over (
                        partition by {{ pool_key_list }}
                    ) as lr_weight_total
                from (
                    select
                        {% for column in carried_columns -%}
                        lr_receivers.{{ column }},
                        {% endfor -%}
                        {{ tbm_warehouse.lr_to_units(
                            'case when lr_receivers.' ~ weight_column ~ ' > 0 then lr_receivers.'
                            ~ weight_column ~ ' else 0 end',
                            weight_scale
                        ) }} as lr_weight_units,
                        {% for column in amount_columns -%}
                        {{ tbm_warehouse.lr_to_units('lr_pools.' ~ column, 12) }}
                            as lr_units_{{ loop.index }},
                        cast(
                            power(10, 12 - lr_pools.lr_decimals_{{ loop.index }})
                            as {{ int_type }}
                        ) as lr_decimal_unit_{{ loop.index }}{{ ',' if not loop.last }}
                        {% endfor %}
                    from {{ receivers }} as lr_receivers
                    inner join (
                        select
                            {% for key in pool_keys -%}
                            {{ key }},
                            {% endfor -%}
                            {% for column in amount_columns -%}
                            {{ column }},
                            {%- set expression = decimals.get(column) %}
                            {% if expression is none -%}
                            12 as lr_decimals_{{ loop.index }}
                            {%- else -%}
                            case
                                when ({{ expression }}) between 0 and 12 then ({{ expression }})
                                else 12
                            end as lr_decimals_{{ loop.index }}
                            {%- endif %}{{ ',' if not loop.last }}
                            {% endfor %}
                        from {{ pools }}
                    ) as lr_pools
                        on
                        {% for key in pool_keys -%}
                            {{ 'and ' if not loop.first }}lr_receivers.{{ key }} = lr_pools.{{ key }}
                        {% endfor %}
                ) as lr_joined
            ) as lr_weighted
            where lr_weighted.lr_weight_total > 0
        ) as lr_granulated
    ) as lr_floored
) as lr_ranked
{%- endmacro %}


{#- Helpers of allocate_largest_remainder: 128-bit integer arithmetic on DuckDB, decimal(38, 0)
    elsewhere. -#}

{% macro lr_integer_type() -%}
    {{ return(adapter.dispatch('lr_integer_type', 'tbm_warehouse')()) }}
{%- endmacro %}

{% macro default__lr_integer_type() -%}
    decimal(38, 0)
{%- endmacro %}

{% macro duckdb__lr_integer_type() -%}
    hugeint
{%- endmacro %}

{#- a div b for a >= 0 and b > 0, exactly -#}
{% macro lr_integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('lr_integer_divide', 'tbm_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__lr_integer_divide(numerator, denominator) -%}
    cast((({{ numerator }}) - (({{ numerator }}) % ({{ denominator }}))) / ({{ denominator }})
        as decimal(38, 0))
{%- endmacro %}

{% macro duckdb__lr_integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{#- the exact integer of cast(expression as decimal(38, scale)) * 10^scale -#}
{% macro lr_to_units(expression, scale) -%}
    {{ return(adapter.dispatch('lr_to_units', 'tbm_warehouse')(expression, scale)) }}
{%- endmacro %}

{% macro default__lr_to_units(expression, scale) -%}
    cast(cast({{ expression }} as decimal(38, {{ scale }})) * {{ 10 ** scale }} as decimal(38, 0))
{%- endmacro %}

{#- Spark reduces the scale of decimal(38, 12) * 10^12 to 6 before the cast: exact parts instead -#}
{% macro spark__lr_to_units(expression, scale) -%}
    {{ tbm_warehouse.spark_decimal_to_units(expression, scale) }}
{%- endmacro %}

{% macro duckdb__lr_to_units(expression, scale) -%}
    {%- set value = 'cast(' ~ expression ~ ' as decimal(38, ' ~ scale ~ '))' -%}
    (cast(trunc({{ value }}) as hugeint) * {{ 10 ** scale }}
    + cast(({{ value }} - trunc({{ value }})) * {{ 10 ** scale }} as hugeint))
{%- endmacro %}

{#- integer units of 10^-12 back to decimal(38, 12) -#}
{% macro lr_from_units(expression) -%}
    {{ return(adapter.dispatch('lr_from_units', 'tbm_warehouse')(expression)) }}
{%- endmacro %}

{#- Spark narrows the scale of a decimal(38, 0) * decimal(p, 12) product to 6: build the
    decimal from its integer and fractional digits instead. -#}
{% macro default__lr_from_units(expression) -%}
    cast(
        concat(
            case when ({{ expression }}) < 0 then '-' else '' end,
            cast({{ tbm_warehouse.lr_integer_divide(
                'abs(' ~ expression ~ ')', '1000000000000') }} as string),
            '.',
            lpad(cast(abs({{ expression }}) % 1000000000000 as string), 12, '0')
        ) as decimal(38, 12)
    )
{%- endmacro %}

{% macro duckdb__lr_from_units(expression) -%}
    (cast({{ expression }} as decimal(38, 0)) * 0.000000000001)
{%- endmacro %}

{#- Exact decimal arithmetic for the money path (ARCHITECTURE section 2: no float anywhere).

    decimal_divide(numerator, denominator, scale): numerator / denominator as decimal(38, scale),
    rounded half away from zero; null when the denominator is 0 or null.
    - DuckDB divides two decimals into a DOUBLE, so its variant works in 128-bit integers (hugeint):
      both operands are cast to decimal(38, 12) and scaled to the integers N and D (x 10^12), then
        q = |N| // |D|,  r = |N| % |D|,
        result = sign(N) * sign(D) * (q * 10^scale + (2 * r * 10^scale + |D|) // (2 * |D|)) / 10^scale
      which is exact. Range: any numerator of decimal(38, 12) whose quotient fits
      decimal(38, scale); |denominator| * 10^(12 + scale) below 8.5e37 (|denominator| < 8.5e13 for
      scale 12). Out of range raises a DuckDB overflow error, never a wrong value. Operands with
      more than 12 decimals are rounded to 12 first.
    - Other engines: cast of the engine's decimal division (exact on engines that divide decimals
      into decimals; check the result scale rules of a new engine before relying on it).

    decimal_multiply(left, right, scale): left * right as decimal(38, scale), rounded half away
    from zero. DuckDB multiplies decimals exactly (an overflow is an error). Spark caps the
    product at decimal(38, 6) when p1 + p2 + 1 > 38 (spark.sql.decimalOperations.allowPrecisionLoss):
    a spark__ variant narrowing the operands belongs here once Spark is tested. -#}

{% macro decimal_divide(numerator, denominator, scale=12) -%}
    {{ return(adapter.dispatch('decimal_divide', 'tbm_warehouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__decimal_divide(numerator, denominator, scale) -%}
    cast(({{ numerator }}) / nullif({{ denominator }}, 0) as decimal(38, {{ scale }}))
{%- endmacro %}

{% macro duckdb__decimal_divide(numerator, denominator, scale) -%}
    {%- set ten_12 = '1000000000000' -%}
    {#- the raw integer of a decimal(38, 12), whole part and fraction apart (no overflow) -#}
    {%- set n12 = 'cast(' ~ numerator ~ ' as decimal(38, 12))' -%}
    {%- set d12 = 'cast(' ~ denominator ~ ' as decimal(38, 12))' -%}
    {%- set n -%}
        (cast(trunc({{ n12 }}) as hugeint) * {{ ten_12 }}
        + cast(({{ n12 }} - trunc({{ n12 }})) * {{ ten_12 }} as hugeint))
    {%- endset -%}
    {%- set d -%}
        (cast(trunc({{ d12 }}) as hugeint) * {{ ten_12 }}
        + cast(({{ d12 }} - trunc({{ d12 }})) * {{ ten_12 }} as hugeint))
    {%- endset -%}
    {%- set ten_scale = "cast('1" ~ ('0' * scale) ~ "' as hugeint)" -%}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    (case
        when {{ d }} = 0 then null
        else cast(
            sign({{ n }}) * sign({{ d }}) * (
                abs({{ n }}) // abs({{ d }}) * {{ ten_scale }}
                + (2 * (abs({{ n }}) % abs({{ d }})) * {{ ten_scale }} + abs({{ d }}))
                // (2 * abs({{ d }}))
            ) as decimal(38, 0)
        ) * {{ unit }}
    end)
{%- endmacro %}

{% macro decimal_multiply(left, right, scale=12) -%}
    {{ return(adapter.dispatch('decimal_multiply', 'tbm_warehouse')(left, right, scale)) }}
{%- endmacro %}

{% macro default__decimal_multiply(left, right, scale) -%}
    cast(({{ left }}) * ({{ right }}) as decimal(38, {{ scale }}))
{%- endmacro %}

{#- Spark (allowPrecisionLoss, its default): a decimal(38, 12) / decimal(38, 12) comes out as
    decimal(38, 6) and a product of two decimal(38, 12) as decimal(38, 6), rounded: both lose
    the digits the money path keeps. So Spark works in exact integers held as decimal(38, 0),
    whose products, sums and remainders keep scale 0 and stay exact (an overflow is null in
    session mode, an error under ANSI), and never divides except a multiple by its divisor
    (spark_exact_integer_divide, exact at decimal(38, 6)).

    decimal_divide: as the DuckDB variant, q = |N| div |D|, r = |N| mod |D|, result = sign *
    (q * 10^scale + (2 r 10^scale + |D|) div (2 |D|)) / 10^scale. Range: |operands| below 10^25,
    |denominator| * 10^(12 + scale) below 5e37.
    decimal_multiply: a = A / 10^12, b = B / 10^12 (B = B1 10^12 + B0, B1 the integer part):
    a * b at scale 12 is sign * (|A| B1 + (|A| B0 + 10^12 / 2) div 10^12), rounded half away
    from zero, exact for |a| below 10^14 and |a * b| below 10^26; then cast to the scale. -#}

{#- the integer a div b of a >= 0 and b > 0 (decimal(38, 0)), exactly -#}
{% macro spark_exact_integer_divide(numerator, denominator) -%}
    cast((({{ numerator }}) - (({{ numerator }}) % ({{ denominator }}))) / ({{ denominator }})
        as decimal(38, 0))
{%- endmacro %}

{#- the exact integer of cast(expression as decimal(37, scale)) * 10^scale, as decimal(38, 0):
    integer and fractional parts apart, so that no intermediate type loses a digit -#}
{% macro spark_decimal_to_units(expression, scale) -%}
    {%- set value = 'cast(' ~ expression ~ ' as decimal(37, ' ~ scale ~ '))' -%}
    {%- set whole = 'cast(floor(' ~ value ~ ') as decimal(' ~ (37 - scale) ~ ', 0))' -%}
    (cast({{ whole }} as decimal(38, 0)) * {{ 10 ** scale }}
    + cast(
        cast({{ value }} - {{ whole }} as decimal({{ scale + 1 }}, {{ scale }})) * {{ 10 ** scale }}
        as decimal(38, 0)
    ))
{%- endmacro %}

{#- integer units (decimal(38, 0)) of 10^-scale back to decimal(38, scale), exactly -#}
{% macro spark_units_to_decimal(expression, scale) -%}
    cast(concat(cast({{ expression }} as string), 'e-{{ scale }}') as decimal(38, {{ scale }}))
{%- endmacro %}

{% macro spark__decimal_divide(numerator, denominator, scale) -%}
    {%- set n = tbm_warehouse.spark_decimal_to_units(numerator, 12) -%}
    {%- set d = tbm_warehouse.spark_decimal_to_units(denominator, 12) -%}
    {%- set ten_scale = 'cast(1' ~ ('0' * scale) ~ ' as decimal(38, 0))' -%}
    {%- set quotient = tbm_warehouse.spark_exact_integer_divide('abs(' ~ n ~ ')', 'abs(' ~ d ~ ')') -%}
    {%- set rounding = tbm_warehouse.spark_exact_integer_divide(
        '2 * (abs(' ~ n ~ ') % abs(' ~ d ~ ')) * ' ~ ten_scale ~ ' + abs(' ~ d ~ ')',
        '2 * abs(' ~ d ~ ')') -%}
    (case
        when {{ d }} = 0 then null
        else {{ tbm_warehouse.spark_units_to_decimal(
            'case when (' ~ n ~ ' < 0) <> (' ~ d ~ ' < 0) then -1 else 1 end * ('
            ~ quotient ~ ' * ' ~ ten_scale ~ ' + ' ~ rounding ~ ')', scale) }}
    end)
{%- endmacro %}

{% macro spark__decimal_multiply(left, right, scale) -%}
    {%- set a = tbm_warehouse.spark_decimal_to_units(left, 12) -%}
    {%- set b = tbm_warehouse.spark_decimal_to_units(right, 12) -%}
    {%- set b_whole = tbm_warehouse.spark_exact_integer_divide('abs(' ~ b ~ ')', '1000000000000') -%}
    {%- set b_fraction = '(abs(' ~ b ~ ') % 1000000000000)' -%}
    {%- set units -%}
        case when ({{ a }} < 0) <> ({{ b }} < 0) then -1 else 1 end * (
            abs({{ a }}) * {{ b_whole }}
            + {{ tbm_warehouse.spark_exact_integer_divide(
                'abs(' ~ a ~ ') * ' ~ b_fraction ~ ' + 500000000000', '1000000000000') }}
        )
    {%- endset -%}
    cast({{ tbm_warehouse.spark_units_to_decimal(units, 12) }} as decimal(38, {{ scale }}))
{%- endmacro %}

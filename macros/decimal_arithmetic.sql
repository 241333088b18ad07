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

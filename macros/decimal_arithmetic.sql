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
    from zero.
    - DuckDB multiplies decimals exactly in the type decimal(38, s1 + s2): for two
      decimal(38, 12) that is decimal(38, 24), whose range ends at 10^14, and a larger product
      (two monthly amounts in the tens of millions) is an overflow error. So at scale 12 the
      duckdb__ variant reads both operands at 12 decimals and splits each into its whole part W
      (trunc, decimal(38, 0)) and fraction F (% 1, same sign as the value):
        l * r = Wl * r + Fl * Wr + Fl * Fr
      The first two terms have 12 decimals and are exact; the last is below 1 with 24 decimals
      and is the only one rounded, half away from zero, by its cast to decimal(38, 12). Every
      term has the sign of the product (or is 0) and the first two are whole multiples of
      10^-12, so that single rounding is the exact product's rounding. Each term is cast to
      decimal(38, 12) before the sum so the sum keeps 12 decimals. Each operand appears three
      times, so nested calls stay small enough for the linter's parser. Range: products below
      10^26; over 10M rows it costs 1-3% more than DuckDB's own product.
    - Spark: see below.

    On the `lint` target (profiles.yml: sqlfluff's dbt templater only) both render in their
    engine-neutral form: the linter checks a model's own SQL and ignores what a macro expands to,
    and the exact DuckDB forms, with each operand repeated, are 3-8 times a model's source and
    took 60% of the lint's time. -#}

{% macro decimal_divide(numerator, denominator, scale=12) -%}
    {{ return(adapter.dispatch('decimal_divide', 'tbm_warehouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__decimal_divide(numerator, denominator, scale) -%}
    cast(({{ numerator }}) / nullif({{ denominator }}, 0) as decimal(38, {{ scale }}))
{%- endmacro %}

{% macro duckdb__decimal_divide(numerator, denominator, scale) -%}
    {%- if target.name == 'lint' -%}
        {{ return(default__decimal_divide(numerator, denominator, scale)) }}  {#- the linter's -#}
    {%- endif -%}
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
    decimal(38, 6), and so does a product of two decimal(38, 12): both would lose the digits the
    money path keeps. Spark sizes a result from its operands' types, so the Spark variants
    narrow the operands until the result type is exactly decimal(38, scale), which Spark rounds
    half up (away from zero) once, as DuckDB does:

    decimal_divide: numerator as decimal(38 - scale, 12) (|numerator| below 10^(26 + 12 - 38 +
    scale), 10^14 at scale 12, 10^20 at scale 6), denominator as decimal(38, 12): the quotient
    type is decimal(38, max(scale, 6)). Spark divides to 38 decimals before that rounding, so a
    quotient whose decimals 13 to 38 read 4999...9 would round up where DuckDB rounds down: a
    case no money amount of 12 decimals meets in practice, and the only one that differs.
    decimal_multiply: left as decimal(26, 12), right as decimal(23, 12) (|left| below 10^14,
    |right| below 10^11): the product type is decimal(38, 12), from the exact product while it
    is below 10^14 (Spark multiplies to 38 significant digits). Then cast to the scale.

    Out of range is null in session mode (ANSI off) and an error under ANSI (Thrift server).
    One operand each, once: nested calls stay small, which matters to Spark's planner. -#}

{% macro spark__decimal_divide(numerator, denominator, scale) -%}
    cast(
        cast({{ numerator }} as decimal({{ 38 - scale }}, 12))
        / nullif(cast({{ denominator }} as decimal(38, 12)), 0)
        as decimal(38, {{ scale }})
    )
{%- endmacro %}

{% macro duckdb__decimal_multiply(left, right, scale) -%}
    {%- if target.name == 'lint' -%}
        {{ return(default__decimal_multiply(left, right, scale)) }}  {#- the linter's -#}
    {%- endif -%}
    {%- if scale != 12 -%}
        {{ default__decimal_multiply(left, right, scale) }}
    {%- else -%}
        {%- set l = 'cast(' ~ left ~ ' as decimal(38, 12))' -%}
        {%- set r = 'cast(' ~ right ~ ' as decimal(38, 12))' -%}
        (cast(trunc({{ l }}) * {{ r }} as decimal(38, 12))
        + cast(({{ l }} % 1) * trunc({{ r }}) as decimal(38, 12))
        + cast(({{ l }} % 1) * ({{ r }} % 1) as decimal(38, 12)))
    {%- endif -%}
{%- endmacro %}

{% macro spark__decimal_multiply(left, right, scale) -%}
    cast(
        cast({{ left }} as decimal(26, 12)) * cast({{ right }} as decimal(23, 12))
        as decimal(38, {{ scale }})
    )
{%- endmacro %}

{#- the exact integer of cast(expression as decimal(37, scale)) * 10^scale, as decimal(38, 0)
    (spark__lr_to_units): integer and fractional parts converted apart, so that no intermediate
    type exceeds 38 digits (|value| below 10^(37 - scale)) -#}
{% macro spark_decimal_to_units(expression, scale) -%}
    {%- set value = 'cast(' ~ expression ~ ' as decimal(37, ' ~ scale ~ '))' -%}
    {%- set whole = 'cast(floor(' ~ value ~ ') as decimal(' ~ (37 - scale) ~ ', 0))' -%}
    (cast({{ whole }} as decimal(38, 0)) * {{ 10 ** scale }}
    + cast(
        cast({{ value }} - {{ whole }} as decimal({{ scale + 1 }}, {{ scale }})) * {{ 10 ** scale }}
        as decimal(38, 0)
    ))
{%- endmacro %}

{#- decimal_subtract(left, right, scale): left - right as decimal(38, scale), exact on every
    engine: Spark gives decimal(38, 11) for a difference of two decimal(38, 12) (one digit more
    than 38 is needed), so the operands are narrowed to decimal(37, 12) first (|values| below
    10^25), whose difference fits decimal(38, 12). Same value on DuckDB, so no dispatch. -#}
{% macro decimal_subtract(left, right, scale=12) -%}
    cast(
        cast({{ left }} as decimal(37, 12)) - cast({{ right }} as decimal(37, 12))
        as decimal(38, {{ scale }})
    )
{%- endmacro %}

{% macro decimal_add(left, right, scale=12) -%}
    cast(
        cast({{ left }} as decimal(37, 12)) + cast({{ right }} as decimal(37, 12))
        as decimal(38, {{ scale }})
    )
{%- endmacro %}

{#- decimal_share(part, whole, scale): part / whole as decimal(38, scale) (decimal_divide), 0
    when the whole is 0 (a share of nothing is none of it, not unknown); null when either is
    null. -#}
{% macro decimal_share(part, whole, scale=10) -%}
    case
        when {{ whole }} = 0 then cast(0 as decimal(38, {{ scale }}))
        else {{ decimal_divide(part, whole, scale) }}
    end
{%- endmacro %}

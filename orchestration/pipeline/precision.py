"""The warehouse's precision: 12 decimals of the unit; what a file delivers beyond is rounded
half-even and recorded (orchestration/pipeline/load.py, raw.rounded_amounts).

DuckDB's own cast rounds half away from zero, so the values with digits beyond the scale are found
in SQL (they are few) and rounded in Python's `decimal`; the loader writes the result over the
value DuckDB's cast gave. Whether a value is valid is its text's business (DuckDB's cast): rounding
half-even rather than away from zero never moves a value across the type's bounds.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal

import duckdb
import pyarrow as pa

from orchestration.pipeline.focus import MONEY_SCALE

NUMBER_PATTERN = r"^[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$"
MONEY_UNIT = Decimal(1).scaleb(-MONEY_SCALE)
DIFFERENCE_SCALE = 37  # raw.rounded_amounts.rounding_difference: decimal(38,37)


def _beyond_scale(source: str) -> str:
    """Whether a text column holds a number with a non-zero digit beyond the MONEY_SCALE-th decimal,
    in plain or exponent notation; `source` is a subquery's `regexp_extract` struct of the number
    (NUMBER_PATTERN: i integer digits, f fraction digits, e exponent).

    The last non-zero digit of `i || f` sits at decimal len(f) - e - (its trailing zeros).
    """
    digits = f"({source}.i || {source}.f)"
    return (
        f"regexp_matches({digits}, '[1-9]') and length({source}.f) "
        f"- coalesce(try_cast(nullif({source}.e, '') as hugeint), 0) "
        f"- (length({digits}) - length(rtrim({digits}, '0'))) > {MONEY_SCALE}"
    )


def beyond_scale_candidate(source: str) -> str:
    """The trimmed text of a money column `source` when it may carry digits beyond the money
    scale (a long fraction or an exponent), else null: computed as the rows are typed, it keeps
    the few values `round_beyond_scale` examines."""
    return (
        f"case when strpos({source}, 'e') > 0 or strpos({source}, 'E') > 0 "
        f"or length({source}) - strpos({source}, '.') > {MONEY_SCALE} then trim({source}) end"
    )


def round_beyond_scale(
    con: duckdb.DuckDBPyConnection, table: str, money: list[tuple[int, str]]
) -> list[int]:
    """Find the values of the money columns (position, name) that carry digits beyond the money
    scale, among the candidates `table` holds as `_b{position}` (`beyond_scale_candidate`, keyed
    by `_line`); round them half-even in Python. Makes `_rounded` (one row per value: line,
    column, delivered text, stored and difference as text) and `_rounded_lines` (one row per line,
    `_r{position}` the stored text of each column); returns the positions that have any.
    """
    selects, params = [], []
    for position, name in money:
        candidate = f"_b{position}"
        selects.append(
            f"select _line, ?::varchar as column_name, {position} as position, delivered_value "
            f"from (select _line, {candidate} as delivered_value, "
            f"regexp_extract({candidate}, '{NUMBER_PATTERN}', ['i', 'f', 'e']) as n "
            f"from {table} where {candidate} is not null) "
            f"where {_beyond_scale('n')}"
        )
        params.append(name)
    found = con.execute(
        " union all ".join(selects) + " order by _line, position", params
    ).fetchall()
    lines, names, positions, delivered, stored, differences = [], [], [], [], [], []
    for line, name, position, text in found:
        rounded, difference = round_half_even(text)
        lines.append(line)
        names.append(name)
        positions.append(position)
        delivered.append(text)
        stored.append(format(rounded, "f"))
        differences.append(format(difference, "f"))
    values = pa.table(
        {
            "_line": pa.array(lines, pa.int64()),
            "column_name": pa.array(names, pa.string()),
            "position": pa.array(positions, pa.int64()),
            "delivered_value": pa.array(delivered, pa.string()),
            "stored_value": pa.array(stored, pa.string()),
            "rounding_difference": pa.array(differences, pa.string()),
        }
    )
    con.register("_arrow", values)
    con.execute("create or replace temp table _rounded as select * from _arrow")
    con.unregister("_arrow")
    with_values = sorted(set(positions))
    columns = "".join(
        f", max(stored_value) filter (where position = {p}) as _r{p}" for p in with_values
    )
    con.execute(
        f"create or replace temp table _rounded_lines as select _line{columns} from _rounded "
        "group by _line"
    )
    return with_values


def round_half_even(text: str) -> tuple[Decimal, Decimal]:
    """A delivered value rounded half-even to the money scale, and the exact difference
    (delivered - rounded; itself rounded half-even at DIFFERENCE_SCALE decimals when the text
    carries more)."""
    value = Decimal(text)
    # room for every digit and any exponent: neither the rounding nor the difference is inexact
    exact = Context(prec=len(text) + 2 * DIFFERENCE_SCALE, Emin=MIN_EMIN, Emax=MAX_EMAX)
    rounded = value.quantize(MONEY_UNIT, rounding=ROUND_HALF_EVEN, context=exact)
    difference = exact.subtract(value, rounded)
    if difference.as_tuple().exponent < -DIFFERENCE_SCALE:
        difference = difference.quantize(
            Decimal(1).scaleb(-DIFFERENCE_SCALE), rounding=ROUND_HALF_EVEN, context=exact
        )
    return rounded, difference

"""`decimal_multiply` on DuckDB: the exact product, rounded half away from zero to 12 decimals.

`dbt compile` renders the analysis `analyses/decimal_multiply_over_placeholders.sql` (the macro
over a placeholder table); hypothesis fills the table with pairs of decimal(38, 12) values, from
tiny to 10^13 (products up to 10^26, far beyond the 10^14 where DuckDB's own decimal(38, 24)
product of two such values overflows), and DuckDB runs the compiled SQL. Each product is checked
against Python's `decimal`, exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demo import compile_analysis, open_warehouse

pytestmark = pytest.mark.e2e  # dbt compiles the SQL under test
ANALYSIS = "decimal_multiply_over_placeholders"
UNIT = Decimal("1e-12")


@pytest.fixture(scope="module")
def multiply_sql(tmp_path_factory) -> str:
    return compile_analysis(ANALYSIS, tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="module")
def con():
    with open_warehouse() as connection:
        connection.execute(
            "create table dm_test_pairs (pair_id integer, left_value decimal(38, 12), "
            "right_value decimal(38, 12))"
        )
        yield connection


def expected(left: Decimal, right: Decimal) -> Decimal:
    """The exact product rounded half away from zero to 12 decimals (independent of the SQL)."""
    with localcontext() as ctx:
        ctx.prec = 100  # every digit of the product and of its negation (the default is 28)
        product = left * right
        magnitude = abs(product).quantize(UNIT, rounding=ROUND_HALF_UP)
        return -magnitude if product < 0 else magnitude


def _products(con, multiply_sql: str, pairs: list[tuple[Decimal, Decimal]]) -> list[Decimal]:
    con.execute("delete from dm_test_pairs")
    con.executemany(
        "insert into dm_test_pairs values (?, ?, ?)",
        [(i, str(left), str(right)) for i, (left, right) in enumerate(pairs)],
    )
    rows = con.execute(f"select pair_id, product from ({multiply_sql}) order by pair_id").fetchall()
    return [product for _, product in rows]


def _amount(digits: int) -> st.SearchStrategy[Decimal]:
    """A decimal(38, 12) value with exactly DIGITS integer digits (0: below 1), either sign."""
    low = 10 ** (digits + 11) if digits else 0
    magnitude = st.integers(low, 10 ** (digits + 12) - 1)
    return st.tuples(magnitude, st.booleans()).map(
        lambda m: Decimal(-m[0] if m[1] else m[0]).scaleb(-12)
    )


AMOUNTS = st.one_of(_amount(0), _amount(3), _amount(7), _amount(8), _amount(13))


def test_products_beyond_the_decimal_range_of_duckdb_are_exact(con, multiply_sql):
    pairs = [
        # the monthly amounts of one business unit that stopped a 10M-row build
        (Decimal("16863586.842992307185"), Decimal("11924466.986069507293")),
        (Decimal("-16863586.842992307185"), Decimal("11924466.986069507293")),
        # ties at the 13th decimal: half away from zero on either sign
        (Decimal("10000000.5"), Decimal("10000000.000000000001")),
        (Decimal("-10000000.5"), Decimal("10000000.000000000001")),
        (Decimal("10000000.5"), Decimal("-10000000.000000000001")),
        (Decimal("0.5"), Decimal("0.000000000001")),
        (Decimal("-0.5"), Decimal("0.000000000001")),
        (Decimal("9999999999999.999999999999"), Decimal("9999999999999.999999999999")),
        (Decimal("0"), Decimal("9999999999999.999999999999")),
    ]
    assert _products(con, multiply_sql, pairs) == [expected(a, b) for a, b in pairs]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(AMOUNTS, AMOUNTS), min_size=1, max_size=40))
def test_every_product_is_the_exact_product_rounded_half_away_from_zero(con, multiply_sql, pairs):
    assert _products(con, multiply_sql, pairs) == [expected(a, b) for a, b in pairs]

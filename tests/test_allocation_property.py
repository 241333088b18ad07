"""Largest-remainder allocation: the parts of every pool sum exactly to the pool.

The SQL under test is the one every allocation model runs: `dbt compile` renders the analysis
`analyses/allocate_largest_remainder_over_placeholders.sql`, which calls the macro
`allocate_largest_remainder` over two placeholder tables; hypothesis then fills those tables with
random pools (huge, tiny, negative, whole or not at the currency's minor units) and receivers
(zero weights, one receiver, many receivers) and DuckDB runs the compiled SQL. The results are
checked against the properties of the method and against an independent Python implementation
of it in exact integers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demo import compile_analysis, open_warehouse
from tests.landing_reader import granule, largest_remainder

pytestmark = pytest.mark.e2e  # dbt compiles the SQL under test
ANALYSIS = "allocate_largest_remainder_over_placeholders"
WEIGHT_SCALE = 6
MINOR_UNITS = (0, 2, 3, 4, None)  # JPY, USD, BHD, CLF, unknown currency (storage scale)


@pytest.fixture(scope="module")
def allocation_sql(tmp_path_factory) -> str:
    return compile_analysis(ANALYSIS, tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="module")
def con():
    with open_warehouse() as connection:
        connection.execute(
            "create table lr_test_pools (pool_id varchar, amount_a decimal(38, 12), "
            "amount_b decimal(38, 12), decimals_a integer)"
        )
        connection.execute(
            "create table lr_test_receivers (pool_id varchar, receiver_id varchar, "
            "weight decimal(38, 12))"
        )
        yield connection


# ------------------------------------------------------------------------------------------
# Strategies
# ------------------------------------------------------------------------------------------


def _decimal(units: int, scale: int) -> Decimal:
    return Decimal(units).scaleb(-scale)


@st.composite
def amounts(draw, decimals: int | None) -> Decimal:
    """An amount below 10^14 in size: whole at the currency's minor units or not, tiny or huge,
    positive, zero or negative (credits)."""
    kind = draw(st.sampled_from(["minor", "storage", "tiny", "huge", "zero"]))
    sign = draw(st.sampled_from([1, -1]))
    if kind == "zero":
        return Decimal(0)
    if kind == "tiny":
        return sign * _decimal(draw(st.integers(1, 50)), 12)
    if kind == "huge":
        return sign * _decimal(draw(st.integers(10**24, 10**26 - 1)), 12)
    if kind == "minor" and decimals is not None:
        return sign * _decimal(draw(st.integers(1, 10**12)), decimals)
    return sign * _decimal(draw(st.integers(1, 10**20)), 12)


weights = st.one_of(
    st.just(Decimal(0)),
    st.integers(0, 10).map(Decimal),
    st.integers(1, 10**12).map(lambda u: _decimal(u, WEIGHT_SCALE)),  # up to 10^6, 6 decimals
    st.integers(10**8, 10**9).map(Decimal),  # huge weights
)


@st.composite
def pools(draw) -> list[dict]:
    out = []
    for p in range(draw(st.integers(1, 4))):
        decimals = draw(st.sampled_from(MINOR_UNITS))
        shape = draw(st.sampled_from(["single", "few", "many", "all_zero"]))
        n = {"single": 1, "few": draw(st.integers(2, 5)), "many": draw(st.integers(6, 40))}.get(
            shape, draw(st.integers(1, 4))
        )
        if shape == "all_zero":
            receiver_weights = [Decimal(0)] * n
        else:
            receiver_weights = draw(st.lists(weights, min_size=n, max_size=n))
            if draw(st.booleans()):  # equal weights: every remainder ties
                receiver_weights = [receiver_weights[0]] * n
        out.append(
            {
                "pool_id": f"p{p}",
                "amount_a": draw(amounts(decimals)),
                "amount_b": draw(amounts(None)),
                "decimals_a": decimals,
                "receivers": [(f"r{i:03d}", w) for i, w in enumerate(receiver_weights)],
            }
        )
    return out


# ------------------------------------------------------------------------------------------
# Reference: Hamilton's method in exact integers, as documented in the macro
# ------------------------------------------------------------------------------------------


def reference(amount: Decimal, decimals: int | None, receivers) -> dict[str, Decimal]:
    """Hamilton's method on the weights in whole units of 10^-6 (a negative weight counts as
    zero): tests/landing_reader.py largest_remainder; no parts when every weight is zero."""
    units = {rid: int(max(w, Decimal(0)).scaleb(WEIGHT_SCALE)) for rid, w in receivers}
    if sum(units.values()) == 0:
        return {}
    return largest_remainder(amount, units, decimals)


def run(con, sql: str, generated: list[dict]) -> dict[str, dict[str, tuple[Decimal, Decimal]]]:
    con.execute("delete from lr_test_pools")
    con.execute("delete from lr_test_receivers")
    con.executemany(
        "insert into lr_test_pools values (?, cast(? as decimal(38, 12)), "
        "cast(? as decimal(38, 12)), ?)",
        [
            [p["pool_id"], str(p["amount_a"]), str(p["amount_b"]), p["decimals_a"]]
            for p in generated
        ],
    )
    con.executemany(
        "insert into lr_test_receivers values (?, ?, cast(? as decimal(38, 12)))",
        [[p["pool_id"], rid, str(w)] for p in generated for rid, w in p["receivers"]],
    )
    parts: dict[str, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for pool_id, receiver_id, _, amount_a, amount_b in con.execute(sql).fetchall():
        parts[pool_id][receiver_id] = (amount_a, amount_b)
    return parts


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=pools())
def test_parts_sum_exactly_to_every_pool(allocation_sql, con, generated):
    parts = run(con, allocation_sql, generated)
    for pool in generated:
        receivers = pool["receivers"]
        weight_units = {rid: int(max(w, Decimal(0)).scaleb(WEIGHT_SCALE)) for rid, w in receivers}
        total_weight = sum(weight_units.values())
        got = parts.get(pool["pool_id"], {})
        if total_weight == 0:
            # no driver data: no parts; the caller keeps the pool visible as unallocated
            assert got == {}, pool
            continue
        assert set(got) == {rid for rid, _ in receivers}
        for column, decimals, index in (("amount_a", pool["decimals_a"], 0), ("amount_b", None, 1)):
            amount = pool[column]
            values = {rid: got[rid][index] for rid in got}
            # conservation, exactly
            assert sum(values.values()) == amount, (column, pool)
            unit = granule(amount, decimals)
            for rid, value in values.items():
                with localcontext() as exact:
                    exact.prec = 100
                    exact_share = amount * weight_units[rid] / total_weight
                # whole granules (cents when the pool is in cents), within one granule of the
                # exact share, with the pool's sign, and nothing for a zero weight
                assert value % unit == 0, (column, rid, value, unit)
                assert abs(value - exact_share) < unit, (column, rid, value, exact_share)
                assert value == 0 or (value > 0) == (amount > 0)
                if weight_units[rid] == 0:
                    assert value == 0
            # and exactly Hamilton's method with the documented tie-breaks
            assert values == reference(amount, decimals, receivers), (column, pool)


def test_known_cases(allocation_sql, con):
    generated = [
        # 100.00 over three equal weights: the residue cent to the first receiver by key
        {
            "pool_id": "thirds",
            "amount_a": Decimal("100.00"),
            "amount_b": Decimal("100.00"),
            "decimals_a": 2,
            "receivers": [("a", Decimal(1)), ("b", Decimal(1)), ("c", Decimal(1))],
        },
        # -10 JPY at 3:1: remainders tie (.5), the larger weight gets the residue yen
        {
            "pool_id": "credit",
            "amount_a": Decimal(-10),
            "amount_b": Decimal(-10),
            "decimals_a": 0,
            "receivers": [("a", Decimal(1)), ("b", Decimal(3))],
        },
        # an amount not whole in cents is allocated at the storage scale
        {
            "pool_id": "fraction",
            "amount_a": Decimal("0.000000000005"),
            "amount_b": Decimal("0.000000000005"),
            "decimals_a": 2,
            "receivers": [("a", Decimal(1)), ("b", Decimal(1))],
        },
        {
            "pool_id": "no_driver",
            "amount_a": Decimal(7),
            "amount_b": Decimal(7),
            "decimals_a": 2,
            "receivers": [("a", Decimal(0))],
        },
    ]
    parts = run(con, allocation_sql, generated)
    assert {rid: a for rid, (a, _) in parts["thirds"].items()} == {
        "a": Decimal("33.34"),
        "b": Decimal("33.33"),
        "c": Decimal("33.33"),
    }
    assert {rid: a for rid, (a, _) in parts["credit"].items()} == {
        "a": Decimal(-2),
        "b": Decimal(-8),
    }
    assert {rid: a for rid, (a, _) in parts["fraction"].items()} == {
        "a": Decimal("0.000000000003"),
        "b": Decimal("0.000000000002"),
    }
    assert "no_driver" not in parts

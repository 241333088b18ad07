"""orchestration.commands.summary_economics.unit_cost_lines on small hand-made marts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orchestration.commands.summary_economics import unit_cost_lines

UNIT_COSTS = """
create table marts.fct_unit_costs (
    service_id varchar, reporting_currency varchar, effective_cost_reporting decimal(38, 12),
    request_count decimal(38, 12), cost_per_request_reporting decimal(38, 12),
    cost_per_request_null_reason varchar, cost_per_active_user_reporting decimal(38, 12),
    cost_per_active_user_null_reason varchar, has_allocated_cost boolean, billing_month date
)
"""
ANOMALIES = """
create table marts.fct_cost_anomalies (
    service_id varchar, anomaly_direction varchar, reporting_currency varchar,
    effective_cost_reporting decimal(38, 12), expected_cost_reporting decimal(38, 12),
    excess_cost_reporting decimal(38, 12), cost_ratio decimal(38, 6),
    robust_z_score decimal(38, 6), cost_date date
)
"""


@pytest.fixture
def con(open_warehouse):
    connection = open_warehouse()
    connection.execute("create schema marts")
    return connection


def _unit_cost(con, service, month, cost, requests, per_request, per_user, reason=None):
    con.execute(
        "insert into marts.fct_unit_costs values (?, 'USD', ?, ?, ?, ?, ?, ?, true, ?)",
        [service, cost, requests, per_request, reason, per_user, reason, month],
    )


def test_no_marts_no_lines(con):
    assert unit_cost_lines(con) == []


def test_the_five_costliest_services_of_the_newest_month_with_unit_costs(con):
    con.execute(UNIT_COSTS)
    sep, oct_ = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
    # September has a bigger service: only the newest month with request telemetry counts
    _unit_cost(con, "legacy", sep, Decimal("99999"), 1, Decimal(1), Decimal(1))
    for i, service in enumerate(("a", "b", "c", "d", "e", "f")):
        cost = Decimal(1000 * (i + 1))
        _unit_cost(con, service, oct_, cost, 10_000_000, cost / 10_000_000, cost / 500)
    # a shared service without telemetry: its reason is shown instead of a unit cost
    _unit_cost(con, "shared-platform", oct_, Decimal(50_000), None, None, None, "no_telemetry")
    # a month of scheduled amortization only (no requests) is not the newest month shown
    _unit_cost(con, "amortized", dt.date(2026, 11, 1), Decimal(10), None, None, None, "x")

    lines = unit_cost_lines(con)

    assert lines[0].startswith("Unit costs, 2026-10 (marts.fct_unit_costs")
    assert "in USD" in lines[0]
    assert lines[1].split() == ["service", "cost", "per", "1k", "requests", "per", "active", "user"]
    body = [line.split() for line in lines[2:7]]
    assert [row[0] for row in body] == ["shared-platform", "f", "e", "d", "c"]
    assert body[0] == ["shared-platform", "50,000.00", "no_telemetry", "no_telemetry"]
    # f: 6,000 / 10,000,000 requests = 0.0006 per request = 0.6000 per 1,000; 6,000 / 500 = 12
    assert body[1] == ["f", "6,000.00", "0.6000", "12.0000"]
    # no anomaly table yet: nothing more
    assert len(lines) == 7


def test_anomalies_largest_first_or_none_found(con):
    con.execute(ANOMALIES)
    assert unit_cost_lines(con) == [
        "Cost anomalies (marts.fct_cost_anomalies, daily direct cost per service): none found"
    ]
    rows = [
        ("search", "spike", 300, 100, 200, 3, 134.9, dt.date(2026, 10, 6)),
        ("payments", "drop", 40, 100, -60, 0.4, -8.2, dt.date(2026, 10, 2)),
    ] + [("small", "spike", 11 + i, 10, 1 + i, 1.1, 3.6, dt.date(2026, 9, 1 + i)) for i in range(5)]
    for service, direction, cost, expected, excess, ratio, z, day in rows:
        con.execute(
            "insert into marts.fct_cost_anomalies values (?, ?, 'USD', ?, ?, ?, ?, ?, ?)",
            [service, direction, cost, expected, excess, ratio, z, day],
        )

    lines = unit_cost_lines(con)

    assert lines[0].endswith("7 found, the 5 largest:")
    first, second = lines[2].split(), lines[3].split()
    assert first == ["2026-10-06", "search", "spike", "300.00", "100.00", "3.00x", "134.9"]
    assert second == ["2026-10-02", "payments", "drop", "40.00", "100.00", "0.40x", "-8.2"]
    assert len(lines) == 2 + 5


METRICS = """
create table marts.fct_tbm_metrics_monthly (
    metric_id varchar, metric_name varchar, scope_type varchar, scope_id varchar,
    metric_value decimal(38, 12), metric_unit varchar, target_direction varchar,
    target_value decimal(38, 12), is_target_met boolean, billing_month date
)
"""


def test_metrics_that_miss_their_targets_in_the_newest_judged_month(con):
    con.execute(METRICS)
    sep, oct_ = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
    rows = [
        # September misses more, but October is the newest month with a verdict
        ("M2", "unallocated_cost_percent", "total", "all", 9, "percent", "max", 5, False, sep),
        ("M2", "unallocated_cost_percent", "total", "all", 4, "percent", "max", 5, True, oct_),
        ("M10", "ci_cost_per_build", "service", "b", 0.5, "USD per build", "max", 0.4, False, oct_),
        ("M3", "cost_variance_percent", "service", "a", -12, "percent", "max", 10, False, oct_),
        (
            "M9",
            "commitment_utilization_percent",
            "total",
            "all",
            60,
            "percent",
            "min",
            70,
            False,
            oct_,
        ),
        ("M1", "cost_per_request", "service", "a", 0.3, "USD per request", "max", None, None, oct_),
        # a month whose metrics have no verdict (no target or no value) is not the one shown
        (
            "M1",
            "cost_per_request",
            "service",
            "a",
            0.3,
            "USD per request",
            "max",
            None,
            None,
            dt.date(2026, 11, 1),
        ),
    ]
    for row in rows:
        con.execute(
            "insert into marts.fct_tbm_metrics_monthly values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            list(row),
        )

    lines = unit_cost_lines(con)

    # 4 October rows with a verdict, 1 met; the misses in metric order M3, M9, M10
    assert lines[0] == (
        "Metrics, 2026-10 (marts.fct_tbm_metrics_monthly, docs/metrics.md): 1 of 4 with a "
        "target meet it; 3 miss it, all:"
    )
    assert [line.split() for line in lines[1:]] == [
        [
            "M3",
            "cost_variance_percent",
            "service",
            "a",
            "-12.00",
            "percent",
            "(target",
            "|x|",
            "<=",
            "10)",
        ],
        [
            "M9",
            "commitment_utilization_percent",
            "total",
            "all",
            "60.00",
            "percent",
            "(target",
            ">=",
            "70)",
        ],
        [
            "M10",
            "ci_cost_per_build",
            "service",
            "b",
            "0.50",
            "USD",
            "per",
            "build",
            "(target",
            "<=",
            "0.4)",
        ],
    ]

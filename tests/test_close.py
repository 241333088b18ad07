"""Month-end close and reopen (orchestration/commands/close.py) on a small in-memory warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.commands.close import (
    CloseError,
    GateRed,
    close_month,
    closed_month_state,
    red_gates,
    reopen_month,
)
from orchestration.warehouse.control_tables import ensure_audit_schema

SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)


def gate_row(con, run_id: str, month: date | None, status: str, at: datetime, blocking=True):
    con.execute(
        "insert into audit.gate_results (run_id, suite_name, check_name, checked_item, "
        "billing_month, status, is_blocking, checked_at) values (?, 'currency', "
        "'every charge has a rate', 'EUR', ?, ?, ?, ?)",
        [run_id, month, status, blocking, at],
    )


@pytest.fixture
def con(open_warehouse):
    con = open_warehouse()
    seed_warehouse(con)
    return con


def seed_warehouse(con) -> None:
    con.execute("create schema marts")
    con.execute("create schema intermediate")
    for mart in ("fct_allocated_costs", "fct_showback_monthly", "fct_month_end_reconciliation"):
        con.execute(
            f"create table marts.{mart} (billing_month date, billing_currency varchar, "
            "service_id varchar, billed_cost_reporting decimal(38, 12))"
        )
        con.execute(
            f"insert into marts.{mart} values ('2026-09-01', 'EUR', 'checkout', 10.5), "
            "('2026-09-01', 'EUR', 'search', 1.25), ('2026-10-01', 'EUR', 'checkout', 7)"
        )
    # the rates each month's conversions can use, as the dbt model int_fx_rates_used_by_month
    # decides them (its unit test in models/intermediate/close): the close copies its month's
    con.execute(
        "create table intermediate.int_fx_rates_used_by_month as select * from (values "
        "(date '2026-09-01', 'EUR', 'USD', 'ecb', 1.20::decimal(38, 12), date '2026-08-31'), "
        "(date '2026-09-01', 'EUR', 'USD', 'ecb', 1.30::decimal(38, 12), date '2026-09-15'), "
        "(date '2026-10-01', 'EUR', 'USD', 'ecb', 1.30::decimal(38, 12), date '2026-09-15'), "
        "(date '2026-10-01', 'EUR', 'USD', 'ecb', 1.40::decimal(38, 12), date '2026-10-01')) "
        "as t(billing_month, currency_code, reporting_currency, rate_source, fx_rate, rate_date)"
    )
    ensure_audit_schema(con)
    gate_row(con, "run-1", SEPTEMBER, "pass", datetime(2026, 10, 5, 8, 0))
    gate_row(con, "run-1", OCTOBER, "fail", datetime(2026, 10, 5, 8, 0))


def test_close_freezes_copied_rows_and_records_who_when_run_and_fx_rates(con):
    record = close_month(con, SEPTEMBER, "alice", now=datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
    assert record.run_id == "run-1"
    assert record.frozen_rows == {
        "fct_allocated_costs": 2,
        "fct_showback_monthly": 2,
        "fct_month_end_reconciliation": 2,
        "fx_rates": 2,  # EUR (billed): the latest rate before September and the one in it
    }
    assert con.execute(
        "select service_id, billed_cost_reporting from closed.fct_allocated_costs "
        "where close_id = ? order by service_id",
        [record.close_id],
    ).fetchall() == [("checkout", Decimal("10.5")), ("search", Decimal("1.25"))]
    assert con.execute(
        "select rate_date, fx_rate from closed.fx_rates order by rate_date"
    ).fetchall() == [(date(2026, 8, 31), Decimal("1.2")), (date(2026, 9, 15), Decimal("1.3"))]
    assert closed_month_state(con, SEPTEMBER)[:2] == (record.close_id, "alice")
    # the frozen rows are copies: a later rebuild of the mart leaves them as they were
    con.execute("update marts.fct_allocated_costs set billed_cost_reporting = 99")
    assert con.execute(
        "select sum(billed_cost_reporting) from closed.fct_allocated_costs"
    ).fetchone() == (Decimal("11.75"),)


def test_close_refuses_while_a_blocking_gate_of_the_month_is_red_naming_it(con):
    with pytest.raises(GateRed, match=r"2026-10 .*currency: every charge has a rate \(EUR\)"):
        close_month(con, OCTOBER, "alice")
    assert closed_month_state(con, OCTOBER) is None
    # only the latest run of the suite counts: a later pass turns the gate green
    gate_row(con, "run-2", OCTOBER, "pass", datetime(2026, 10, 6, 8, 0))
    assert red_gates(con, OCTOBER) == []
    assert close_month(con, OCTOBER, "alice").run_id == "run-2"


def test_a_failed_blocking_check_of_no_month_blocks_every_month_but_a_warning_does_not(con):
    gate_row(con, "run-2", SEPTEMBER, "pass", datetime(2026, 10, 6, 8, 0))
    gate_row(con, "run-2", None, "warn", datetime(2026, 10, 6, 8, 0), blocking=False)
    assert red_gates(con, SEPTEMBER) == []
    gate_row(con, "run-2", None, "fail", datetime(2026, 10, 6, 8, 0))
    assert [gate.month for gate in red_gates(con, SEPTEMBER)] == [None]


def test_close_refuses_without_gate_results_or_twice(con, open_warehouse):
    close_month(con, SEPTEMBER, "alice")
    with pytest.raises(CloseError, match="already closed"):
        close_month(con, SEPTEMBER, "bob")
    empty = open_warehouse()
    with pytest.raises(CloseError, match="run `tbm run`"):
        close_month(empty, SEPTEMBER, "alice")


def test_reopen_needs_a_reason_is_recorded_and_a_new_close_replaces_the_frozen_figures(con):
    first = close_month(con, SEPTEMBER, "alice", now=datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
    with pytest.raises(CloseError, match="--reason"):
        reopen_month(con, SEPTEMBER, "  ", "bob")
    with pytest.raises(CloseError, match="not closed"):
        reopen_month(con, OCTOBER, "typo", "bob")
    reopen_month(con, SEPTEMBER, "late AWS credit", "bob", datetime(2026, 10, 7, tzinfo=UTC))
    assert closed_month_state(con, SEPTEMBER) is None
    assert con.execute(
        "select action, acted_by, reason from closed.month_closes order by acted_at"
    ).fetchall() == [("close", "alice", None), ("reopen", "bob", "late AWS credit")]
    con.execute("update marts.fct_allocated_costs set billed_cost_reporting = 2")
    second = close_month(con, SEPTEMBER, "carol", now=datetime(2026, 10, 8, tzinfo=UTC))
    assert closed_month_state(con, SEPTEMBER)[0] == second.close_id != first.close_id
    assert con.execute(
        "select sum(billed_cost_reporting) from closed.fct_allocated_costs "
        "where close_id in (select close_id from closed.current_closes)"
    ).fetchone() == (Decimal("4"),)


def test_tbm_close_exit_codes_name_the_red_gate(tmp_path, open_warehouse):
    warehouse = tmp_path / "tbm.duckdb"
    con = open_warehouse(warehouse, read_only=False)
    seed_warehouse(con)
    con.close()
    runner = CliRunner()
    red = runner.invoke(main, ["close", "--month", "2026-10", "--warehouse", str(warehouse)])
    assert red.exit_code == 3
    assert "blocking gate red: currency: every charge has a rate (EUR)" in red.output
    args = ["--month", "2026-09", "--warehouse", str(warehouse), "--by", "alice"]
    closed = runner.invoke(main, ["close", *args])
    assert closed.exit_code == 0, closed.output
    assert "Closed 2026-09 by alice" in closed.output
    assert "closed.fct_allocated_costs: 2 rows frozen" in closed.output
    assert runner.invoke(main, ["close", *args]).exit_code == 1
    assert runner.invoke(main, ["reopen", *args]).exit_code == 2  # --reason is required
    reopened = runner.invoke(main, ["reopen", *args, "--reason", "late credit"])
    assert reopened.exit_code == 0 and "Reopened 2026-09 by alice" in reopened.output
    bad = runner.invoke(main, ["close", "--month", "2026-13", "--warehouse", str(warehouse)])
    assert bad.exit_code == 2

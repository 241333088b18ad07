"""Month-end close: freeze a month's published figures in the `closed` schema, and reopen it.

`close_month` refuses while a blocking gate of the month is red in the latest gate results
(`audit.gate_results`, written by the gate checks: the latest run of each suite; a failed
blocking row of that month, or of no month, is red). Otherwise it records the close (who,
when, the run id of the figures, the FX rates used: the month's rows of the dbt model
intermediate.int_fx_rates_used_by_month) and copies the month's rows of the frozen
marts into `closed.<mart>` with the close id: copied rows, never recomputed.

A month is closed while its latest entry in `closed.month_closes` is a close. `reopen_month`
(with a reason) records a reopen; the frozen rows stay as history under their close id, and
`closed.current_closes` names the close id in force per closed month.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from orchestration.warehouse import table_exists
from orchestration.warehouse.control_tables import ensure_closed_schema

# The marts frozen at close (schema marts in the working warehouse), each with a billing_month.
FROZEN_MARTS = ("fct_allocated_costs", "fct_showback_monthly", "fct_month_end_reconciliation")


class CloseError(RuntimeError):
    """The close or reopen cannot proceed; the message says why and what to do."""


class GateRed(CloseError):
    """A blocking gate of the month is red."""


@dataclass(frozen=True)
class RedGate:
    suite: str
    check: str
    item: str | None
    month: date | None
    message: str | None


@dataclass(frozen=True)
class CloseRecord:
    close_id: str
    billing_month: date
    action: str
    acted_by: str
    acted_at: datetime
    run_id: str | None
    frozen_rows: dict[str, int]


def red_gates(con: duckdb.DuckDBPyConnection, month: date) -> list[RedGate]:
    """The blocking checks of `month` (or of no month) that failed in each suite's latest run."""
    rows = con.execute(
        """
        with latest_runs as (
            select suite_name, max(checked_at) as checked_at
            from audit.gate_results
            group by suite_name
        )
        select results.suite_name, results.check_name, results.checked_item,
            results.billing_month, results.message
        from audit.gate_results as results
        inner join latest_runs
            on results.suite_name = latest_runs.suite_name
            and results.checked_at = latest_runs.checked_at
        where results.is_blocking and results.status = 'fail'
            and (results.billing_month = ? or results.billing_month is null)
        order by results.suite_name, results.check_name, results.checked_item
        """,
        [month],
    ).fetchall()
    return [RedGate(*row) for row in rows]


def closed_month_state(con: duckdb.DuckDBPyConnection, month: date) -> tuple | None:
    """(close_id, closed_by, closed_at, run_id) when `month` is closed, else None."""
    ensure_closed_schema(con)
    return con.execute(
        "select close_id, closed_by, closed_at, run_id from closed.current_closes "
        "where billing_month = ?",
        [month],
    ).fetchone()


def _latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select run_id from audit.gate_results order by checked_at desc, run_id desc limit 1"
    ).fetchone()
    return row[0] if row else None


def close_month(
    con: duckdb.DuckDBPyConnection, month: date, by: str, now: datetime | None = None
) -> CloseRecord:
    """Close `month`: check the gates, record the close and freeze the month's rows."""
    if (
        not table_exists(con, "audit", "gate_results")
        or not con.execute("select count(*) from audit.gate_results").fetchone()[0]
    ):
        raise CloseError("no gate results in the warehouse: run `tbm run` before closing a month")
    red = red_gates(con, month)
    if red:
        names = "; ".join(
            f"{gate.suite}: {gate.check}" + (f" ({gate.item})" if gate.item else "") for gate in red
        )
        raise GateRed(
            f"{month:%Y-%m} cannot be closed: blocking gate red: {names}. Fix the data and "
            "run `tbm run` again."
        )
    for mart in FROZEN_MARTS:
        if not table_exists(con, "marts", mart):
            raise CloseError(f"marts.{mart} is missing: run `tbm run` before closing a month")
    if not con.execute(
        "select count(*) from marts.fct_allocated_costs where billing_month = ?", [month]
    ).fetchone()[0]:
        raise CloseError(f"{month:%Y-%m} has no allocated costs in the warehouse: nothing to close")
    state = closed_month_state(con, month)
    if state:
        raise CloseError(
            f"{month:%Y-%m} is already closed (by {state[1]} at {state[2]:%Y-%m-%d %H:%M} UTC); "
            "`tbm reopen --month ... --reason ...` first"
        )
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    close_id = uuid.uuid4().hex
    run_id = _latest_run_id(con)
    frozen: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into closed.month_closes values (?, ?, 'close', ?, ?, ?, null)",
            [close_id, month, by, at, run_id],
        )
        for mart in FROZEN_MARTS:
            # table names are our own constants
            con.execute(
                f"create table if not exists closed.{mart} as "  # noqa: S608
                f"select cast(null as varchar) as close_id, * from marts.{mart} limit 0"
            )
            con.execute(
                f"insert into closed.{mart} by name "  # noqa: S608
                f"select ? as close_id, * from marts.{mart} where billing_month = ?",
                [close_id, month],
            )
            frozen[mart] = con.execute(
                f"select count(*) from closed.{mart} where close_id = ?",  # noqa: S608
                [close_id],
            ).fetchone()[0]
        frozen["fx_rates"] = _freeze_fx_rates(con, close_id, month)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return CloseRecord(close_id, month, "close", by, at, run_id, frozen)


def _freeze_fx_rates(con: duckdb.DuckDBPyConnection, close_id: str, month: date) -> int:
    """Copy the month's rows of intermediate.int_fx_rates_used_by_month (the dbt model decides
    which rates the month's conversions can use) into closed.fx_rates."""
    if not table_exists(con, "intermediate", "int_fx_rates_used_by_month"):
        return 0
    con.execute(
        "insert into closed.fx_rates select ?, billing_month, currency_code, "
        "reporting_currency, rate_source, fx_rate, rate_date "
        "from intermediate.int_fx_rates_used_by_month where billing_month = ?",
        [close_id, month],
    )
    return con.execute(
        "select count(*) from closed.fx_rates where close_id = ?", [close_id]
    ).fetchone()[0]


def reopen_month(
    con: duckdb.DuckDBPyConnection,
    month: date,
    reason: str,
    by: str,
    now: datetime | None = None,
) -> CloseRecord:
    """Reopen a closed month: record who, when and why; the frozen rows stay as history."""
    if not reason.strip():
        raise CloseError("--reason is required: say why the closed month is reopened")
    state = closed_month_state(con, month)
    if not state:
        raise CloseError(f"{month:%Y-%m} is not closed: nothing to reopen")
    at = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    con.execute(
        "insert into closed.month_closes values (?, ?, 'reopen', ?, ?, ?, ?)",
        [state[0], month, by, at, state[3], reason.strip()],
    )
    return CloseRecord(state[0], month, "reopen", by, at, state[3], {})

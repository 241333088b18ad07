"""`tbm export-focus`: the normalized billing as a FOCUS 1.2 Cost and Usage dataset (Parquet).

The dataset is the dbt mart `exports.fct_focus_cost_and_usage` (models/marts/focus): the 57
FOCUS 1.2 Cost and Usage columns in snake_case with real nulls, decimals as decimals and UTC
timestamps, then our enrichment as `x_` columns. Where the delivered data lacks a value FOCUS 1.2
requires, the mart derives it as the spec says (its yml describes each rule). This module only
copies the mart to Parquet, renaming each column to its FOCUS name (`billed_cost` ->
`BilledCost`, `x_service_id` -> `x_ServiceId`), for one billing month (a bound parameter) or all,
and writes beside it `<file>.report.json`: what the export normalized or completed and which of
the FinOps validator's rules the exported data still fails because the delivered data does, per
rule, summed over the exported months from the dbt view `exports.fct_focus_export_changes`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.pipeline.focus import columns_for_version
from orchestration.warehouse import table_exists

FOCUS_VERSION = "1.2"
FOCUS_COLUMNS = columns_for_version(FOCUS_VERSION)

MART = "exports.fct_focus_cost_and_usage"
# Our enrichment, in the export's column order (the mart's x_ columns, in snake_case).
EXTENSIONS = (
    "x_ChargeId",
    "x_SourceFocusVersion",
    "x_ServiceId",
    "x_ServiceName",
    "x_ServiceOwner",
    "x_BusinessUnit",
    "x_CostCenter",
    "x_MappingMethod",
    "x_ReportingCurrency",
    "x_ReportingCurrencyBilledCost",
    "x_ReportingCurrencyEffectiveCost",
    "x_FxRate",
    "x_FxRateDate",
    "x_FxRateSource",
    "x_DeliveredInvoiceIssuerName",
    "x_DeliveredServiceSubcategory",
    "x_DeliveredServiceCategory",
    "x_DeliveredPricingUnit",
    "x_DeliveredConsumedUnit",
    "x_DeliveredCommitmentDiscountUnit",
)
CHANGES = "exports.fct_focus_export_changes"
# the report's sections, in the order they are printed
OUTCOMES = ("normalized", "completed", "not fixed")


class ExportError(RuntimeError):
    """The export cannot run; the message says what to fix."""


class WarehouseLocked(ExportError):
    """A run holds the warehouse (DuckDB refuses even read-only connections meanwhile)."""


@dataclass(frozen=True)
class ExportChange:
    """Charges of the exported file one derivation changed (`normalized`, `completed`), or that
    fail a FOCUS rule as delivered (`not fixed`)."""

    outcome: str
    column: str
    rule: str
    requirement: str
    charges: int


@dataclass(frozen=True)
class ExportReport:
    path: Path
    rows: int
    months: list[str]
    columns: list[str]
    changes: list[ExportChange]
    report_path: Path


def report_path(out: Path) -> Path:
    """The report written beside the exported file: `<file>.report.json`."""
    return out.with_name(f"{out.name}.report.json")


def _changes(con: duckdb.DuckDBPyConnection, month: date | None) -> list[ExportChange]:
    """The view's rows for the exported months, summed per outcome, column and rule."""
    # the view's name is our constant; the month (or null: every month) a bound parameter
    sql = (
        "select outcome, focus_column, rule_id, requirement, sum(charge_count)\n"
        f"from {CHANGES}\n"
        "where cast($month as date) is null or billing_month = $month\n"
        "group by outcome, focus_column, rule_id, requirement\n"
        "order by focus_column, rule_id"
    )
    rows = con.execute(sql, {"month": month}).fetchall()
    changes = [ExportChange(o, c, r, q, int(n)) for o, c, r, q, n in rows]
    return sorted(changes, key=lambda change: OUTCOMES.index(change.outcome))


def _write_report(report: ExportReport) -> None:
    document = {
        "file": report.path.name,
        "focus_version": FOCUS_VERSION,
        "charges": report.rows,
        "months": report.months,
        **{
            outcome.replace(" ", "_"): [
                {
                    "column": change.column,
                    "rule": change.rule,
                    "requirement": change.requirement,
                    "charges": change.charges,
                }
                for change in report.changes
                if change.outcome == outcome
            ]
            for outcome in OUTCOMES
        },
    }
    partial = report.report_path.with_name(f".{report.report_path.name}.partial")
    partial.write_text(json.dumps(document, indent=1) + "\n")
    os.replace(partial, report.report_path)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def mart_column(name: str) -> str:
    """The mart's column of an export column: `BilledCost` -> `billed_cost`,
    `x_ServiceId` -> `x_service_id`."""
    if name.startswith("x_"):
        return "x_" + _snake(name[2:])
    return _snake(name)


def select_list() -> str:
    """The export's columns: FOCUS 1.2 in spec order, then the x_ enrichment, each the mart's
    column under its FOCUS name (names are our constants, never user data)."""
    return ",\n    ".join(
        f"{mart_column(name)} as {name}" for name in (*FOCUS_COLUMNS, *EXTENSIONS)
    )


def parse_month(value: str | None) -> date | None:
    if value is None:
        return None
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"--month {value!r}: expected YYYY-MM, e.g. 2026-09")
    return date(int(match.group(1)), int(match.group(2)), 1)


def export_focus(warehouse: Path, out: Path, month: date | None = None) -> ExportReport:
    """Write the FOCUS 1.2 Parquet file `out` (atomically: aside, then renamed over)."""
    if not warehouse.exists():
        raise ExportError(f"warehouse {warehouse} does not exist: run `tbm run` first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLocked(
                f"{warehouse} is held by a running tbm run; export when it has finished"
            ) from None
        raise
    try:
        con.execute("set TimeZone = 'UTC'")
        for view in (MART, CHANGES):
            if not table_exists(con, *view.split(".")):
                raise ExportError(f"{warehouse} has no {view}: run `tbm run` to build the models")
        # the statement is a constant; the month (or null: every month) is a bound parameter
        sql = (
            f"select {select_list()}\nfrom {MART}\n"
            "where cast($month as date) is null or billing_month = $month\n"
            "order by billing_period_start, x_charge_id"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        partial.unlink(missing_ok=True)
        relation = con.sql(sql, params={"month": month})
        try:
            relation.write_parquet(str(partial), compression="zstd")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, out)
        rows, months = con.execute(
            "select count(*), list(distinct strftime(BillingPeriodStart, '%Y-%m') "
            "order by strftime(BillingPeriodStart, '%Y-%m')) from read_parquet(?)",
            [str(out)],
        ).fetchall()[0]
        report = ExportReport(
            out,
            rows,
            months or [],
            [*FOCUS_COLUMNS, *EXTENSIONS],
            _changes(con, month),
            report_path(out),
        )
        _write_report(report)
        return report
    finally:
        con.close()

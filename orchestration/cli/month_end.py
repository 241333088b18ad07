"""`tbm close`, `tbm reopen`, `tbm report`, `tbm export-focus`: month-end work on a built
warehouse.

`tbm export-focus` exits 0 when the file is written, 1 when the warehouse is missing or not built,
2 on a bad flag (e.g. --month 2026-13) and 5 when a run holds the warehouse.

`tbm close` / `tbm reopen` exit 0 when recorded, 1 when refused (already closed, not closed, no
run yet), 2 on a bad --month, 3 when a blocking gate of the month is red, 5 when a run holds it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from orchestration.cli.options import parse_month_or_exit, published_option, warehouse_option
from orchestration.commands.run import (
    EXIT_ERROR,
    EXIT_GATE_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
)
from orchestration.settings import published_beside


@click.command("export-focus")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Parquet file to write (replaced atomically)",
)
@click.option("--month", default=None, help="only this billing month, YYYY-MM (default: all)")
@warehouse_option
def export_focus(out: Path, month: str | None, warehouse: Path) -> None:
    """Write the normalized billing as a FOCUS 1.2 Cost and Usage dataset (Parquet), with the
    service, business unit and reporting-currency cost as x_ columns."""
    from orchestration.commands.focus_export import ExportError, WarehouseLocked, export_focus

    billing_month = parse_month_or_exit(month) if month else None
    started = time.monotonic()
    warehouse = warehouse if warehouse.is_absolute() else Path.cwd() / warehouse
    try:
        report = export_focus(warehouse, out, billing_month)
    except ExportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_LOCKED if isinstance(exc, WarehouseLocked) else EXIT_ERROR)
    click.echo(
        f"Wrote {report.rows:,} charges ({', '.join(report.months) or 'no month'}) as FOCUS 1.2 "
        f"to {report.path} in {time.monotonic() - started:.1f}s"
    )
    click.echo(
        f"  {len(report.columns)} columns: the FOCUS 1.2 Cost and Usage columns, then "
        "x_ServiceId, x_BusinessUnit, x_ReportingCurrencyEffectiveCost and the other x_ columns"
    )
    for outcome, heading in (
        ("normalized", "normalized where FOCUS defines the fix (delivered value in x_Delivered…)"),
        ("completed", "completed (not delivered, derived as FOCUS 1.2 says)"),
        ("not fixed", "not fixed: the delivered data fails these FOCUS rules"),
    ):
        changes = [change for change in report.changes if change.outcome == outcome]
        if changes:
            click.echo(f"  {heading}:")
        for change in changes:
            click.echo(
                f"    {change.column:<22} {change.charges:>9,}  {change.rule}: {change.requirement}"
            )
    click.echo(f"  report: {report.report_path}")


@click.command("close")
@click.option("--month", required=True, help="billing month to close, YYYY-MM")
@warehouse_option
@click.option("--by", default=None, help="who closes the month (default: the OS user)")
def close(month: str, warehouse: Path, by: str | None) -> None:
    """Close a month: refuse while a blocking gate of it is red, else record the close and
    freeze its allocation, showback and reconciliation rows in the `closed` schema."""
    from orchestration.commands.close import GateRed, close_month

    sys.exit(_close_command(month, warehouse, by, close_month, gate_red=GateRed))


@click.command("reopen")
@click.option("--month", required=True, help="closed billing month to reopen, YYYY-MM")
@click.option("--reason", required=True, help="why the closed month is reopened (recorded)")
@warehouse_option
@click.option("--by", default=None, help="who reopens the month (default: the OS user)")
def reopen(month: str, reason: str, warehouse: Path, by: str | None) -> None:
    """Reopen a closed month (recorded with who, when and the reason)."""
    from orchestration.commands.close import reopen_month

    sys.exit(
        _close_command(month, warehouse, by, lambda con, m, who: reopen_month(con, m, reason, who))
    )


@click.command("report")
@click.option("--month", required=True, help="billing month, YYYY-MM")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="folder for report-YYYY-MM.html (offline: inline SVG, no scripts) and one CSV per table",
)
@warehouse_option
@published_option
def report(month: str, out: Path, warehouse: Path, published: Path | None) -> None:
    """Write one month's close pack (reconciliation, cost by service, showback, restatements)
    as HTML and CSV, from the published file (or the warehouse when nothing is published)."""
    from orchestration.commands.report import write_report

    billing_month = parse_month_or_exit(month)
    published = published or published_beside(warehouse)
    source = published if published.exists() else warehouse
    if not source.exists():
        click.echo(f"error: neither {published} nor {warehouse} exists: run `tbm run`", err=True)
        sys.exit(EXIT_ERROR)
    for path in write_report(source, billing_month, out):
        click.echo(f"  wrote {path}")


def _close_command(month: str, warehouse: Path, by: str | None, action, gate_red=()) -> int:
    """Shared by close and reopen: parse, lock the warehouse, act, report. Exit codes: 0 done,
    1 refused (the message says why), 2 bad --month, 3 a blocking gate is red, 5 locked."""
    import getpass

    import duckdb

    from orchestration.commands.close import CloseError
    from orchestration.warehouse import RunLocked, run_lock

    billing_month = parse_month_or_exit(month)
    warehouse = warehouse if warehouse.is_absolute() else Path.cwd() / warehouse
    if not warehouse.exists():
        click.echo(f"error: warehouse {warehouse} does not exist: run `tbm run` first", err=True)
        return EXIT_ERROR
    try:
        with run_lock(warehouse):
            con = duckdb.connect(str(warehouse))
            try:
                record = action(con, billing_month, by or getpass.getuser())
            finally:
                con.close()
    except RunLocked as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_LOCKED
    except CloseError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_GATE_FAILED if gate_red and isinstance(exc, gate_red) else EXIT_ERROR
    verb = "Closed" if record.action == "close" else "Reopened"
    click.echo(
        f"{verb} {billing_month:%Y-%m} by {record.acted_by} at {record.acted_at:%Y-%m-%d %H:%M:%S}"
        f" UTC (close id {record.close_id}, run {record.run_id or '-'})"
    )
    for table, rows in record.frozen_rows.items():
        click.echo(f"  closed.{table}: {rows} rows frozen")
    if record.action == "close":
        click.echo(
            "  the next `tbm run` publishes the closed figures for BI and books later changes of "
            "the month as adjustments in the next open month"
        )
    return EXIT_OK

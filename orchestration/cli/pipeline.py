"""`tbm generate`, `tbm run`, `tbm demo`: the demo data and the whole graph."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from orchestration.cli.options import landing_option, rows_option, run_options
from orchestration.commands.run import EXIT_USAGE, run_pipeline
from orchestration.settings import Settings


@click.command()
@landing_option
@rows_option(60_000, 100, "over all months")
@click.option(
    "--months",
    default=3,
    show_default=True,
    type=click.IntRange(1, 24),
    help="number of consecutive billing months",
)
@click.option(
    "--seed", default=7, show_default=True, type=int, help="random seed (same seed, same files)"
)
@click.option(
    "--start-month", default="2026-08", show_default=True, help="first billing month, YYYY-MM"
)
@click.option(
    "--inject-errors",
    is_flag=True,
    help="also write a billing file with deliberately bad rows (the currency gate then fails)",
)
def generate(
    landing: Path, rows: int, months: int, seed: int, start_month: str, inject_errors: bool
) -> None:
    """Write a deterministic demo data set (billing, invoices, telemetry, FX, deploys, container
    usage) to the landing dir."""
    from orchestration.demo import generate as run_generate

    started = time.monotonic()
    report = run_generate(
        landing,
        rows=rows,
        months=months,
        seed=seed,
        start_month=start_month,
        inject_errors=inject_errors,
    )
    files = report.files
    click.echo(f"Generated {len(files)} files in {landing} in {time.monotonic() - started:.1f}s:")
    for f in files:
        click.echo(f"  {f.path}  {f.rows} rows")


@click.command()
@run_options
@click.option(
    "--full-refresh",
    is_flag=True,
    envvar="TBM_FULL_REFRESH",
    help="rebuild every billing month, not only the changed ones (a run does so by itself after "
    "a change of the models, seeds or reporting currency) [env TBM_FULL_REFRESH=1]",
)
def run(
    landing: Path, org: Path, warehouse: Path, published: Path, engine: str, full_refresh: bool
) -> None:
    """Load every new landing file, build the models, run the gates and publish if they pass.

    The charge-level models rebuild only the billing months whose files are new or were
    re-delivered (and months whose FX rates changed); the other months keep their rows."""
    sys.exit(_run(landing, org, warehouse, published, engine, full_refresh))


@click.command()
@run_options
@rows_option(60_000, 100, "to generate")
def demo(
    landing: Path, org: Path, warehouse: Path, published: Path, engine: str, rows: int
) -> None:
    """Generate the demo data set and run the whole graph on it (generate + run)."""
    from orchestration.demo import generate as run_generate

    click.echo(f"Generating demo data in {landing} ...")
    report = run_generate(landing, rows=rows)
    click.echo(f"  {len(report.files)} files, {sum(f.rows for f in report.files)} rows")
    sys.exit(_run(landing, org, warehouse, published, engine))


def _run(
    landing: Path,
    org: Path,
    warehouse: Path,
    published: Path | None,
    engine: str,
    full_refresh: bool | None = None,
) -> int:
    try:
        settings = Settings.from_env(
            landing=landing,
            org=org,
            warehouse=warehouse,
            published=published,
            engine=engine,
            full_refresh=full_refresh,
        )
    except ValueError as exc:  # a setting that does not parse (the message names it)
        click.echo(f"error: {exc}", err=True)
        return EXIT_USAGE
    return run_pipeline(settings)

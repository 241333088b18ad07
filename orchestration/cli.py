"""`tbm`: the command line. A thin layer over the Dagster graph in `orchestration/definitions.py`.

Exit codes (stable; scripts rely on them):
  0  success: every blocking gate passed and the BI file was published
  1  unexpected error (a message says what failed)
  2  usage error (a bad flag or value)
  3  a blocking gate failed: nothing was published, the built models stay inspectable
  4  the dbt build failed (a model error or a failing dbt data test): nothing was published
  5  another run holds the warehouse
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click

from orchestration.lib.settings import SETTINGS, Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_GATE_FAILED, EXIT_BUILD_FAILED, EXIT_LOCKED = range(6)


def _path_option(name: str, help_extra: str = ""):
    var, default, help_text = SETTINGS[name]
    return click.option(
        f"--{name}",
        envvar=var,
        default=default or None,
        show_default=bool(default),
        type=click.Path(path_type=Path),
        help=f"{help_text} [env {var}]{help_extra}",
    )


landing_option = _path_option("landing")
warehouse_option = _path_option("warehouse")
published_option = _path_option("published")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """tbm-warehouse: load cloud billing, invoices and telemetry; model, gate and publish them."""


@main.command()
@landing_option
@click.option(
    "--rows",
    default=60_000,
    show_default=True,
    type=click.IntRange(min=100),
    help="approximate number of billing rows over all months",
)
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
    """Write a deterministic demo data set (billing, invoices, telemetry, FX) to the landing dir."""
    from orchestration.lib.generate import generate as run_generate

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


@main.command()
@landing_option
@warehouse_option
@published_option
def run(landing: Path, warehouse: Path, published: Path) -> None:
    """Load every new landing file, build the models, run the gates and publish if they pass."""
    sys.exit(_run(landing, warehouse, published))


@main.command()
@landing_option
@warehouse_option
@published_option
@click.option(
    "--rows",
    default=60_000,
    show_default=True,
    type=click.IntRange(min=100),
    help="approximate number of billing rows to generate",
)
def demo(landing: Path, warehouse: Path, published: Path, rows: int) -> None:
    """Generate the demo data set and run the whole graph on it (generate + run)."""
    from orchestration.lib.generate import generate as run_generate

    click.echo(f"Generating demo data in {landing} ...")
    report = run_generate(landing, rows=rows)
    click.echo(f"  {len(report.files)} files, {sum(f.rows for f in report.files)} rows")
    sys.exit(_run(landing, warehouse, published))


def _apply_settings(landing: Path, warehouse: Path, published: Path | None) -> Settings:
    import os

    os.environ["TBM_LANDING"] = str(landing)
    os.environ["TBM_WAREHOUSE"] = str(warehouse)
    os.environ["TBM_PUBLISHED"] = str(published) if published else ""
    settings = Settings.from_env()
    settings.export()
    return settings


def _run(landing: Path, warehouse: Path, published: Path) -> int:
    settings = _apply_settings(landing, warehouse, published)
    if not settings.landing.is_dir():
        click.echo(
            f"error: landing folder {settings.landing} does not exist "
            "(run `tbm generate` or point --landing at your extracts)",
            err=True,
        )
        return EXIT_USAGE
    from orchestration.lib.warehouse import RunLocked, run_lock

    try:
        with run_lock(settings.warehouse):
            return _execute(settings)
    except RunLocked as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_LOCKED


def _execute(settings: Settings) -> int:
    import dagster as dg

    from orchestration.lib.dbt_project import ensure_manifest
    from orchestration.lib.summary import RunOutcome, print_summary

    started = time.monotonic()
    click.echo(f"Running load -> dbt build -> gates -> publish on {settings.warehouse} ...")
    ensure_manifest()
    from orchestration.definitions import defs

    job = defs.resolve_job_def("tbm_run")
    log_dir = settings.warehouse.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    click.echo(f"  dbt and Dagster output: {log_path}")
    # dagster-dbt echoes dbt's log lines to stdout; they go to the run log, the summary to stdout
    with log_path.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            raise_on_error=False,
            instance=dg.DagsterInstance.ephemeral(),
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
    outcome = RunOutcome.from_result(result, settings, time.monotonic() - started)
    print_summary(outcome, settings)
    if outcome.failed_steps:
        click.echo(f"  see {log_path} for the failed steps' output")
    if outcome.failed_steps and not outcome.gate_failed:
        return EXIT_BUILD_FAILED if outcome.dbt_failed else EXIT_ERROR
    if outcome.gate_failed:
        return EXIT_GATE_FAILED
    return EXIT_OK


if __name__ == "__main__":
    main()

"""`tbm`: the command line. A thin layer over the Dagster graph in `orchestration/definitions.py`.

Exit codes (stable; scripts rely on them):
  0  success: every blocking gate passed and the BI file was published
  1  unexpected error (a message says what failed)
  2  usage error (a bad flag or value)
  3  a blocking gate failed: nothing was published, the built models stay inspectable
  4  the dbt build failed (a model error or a failing dbt data test): nothing was published
  5  another run holds the warehouse

`tbm export-focus` exits 0 when the file is written, 1 when the warehouse is missing or not built,
2 on a bad flag (e.g. --month 2026-13) and 5 when a run holds the warehouse.

`tbm close` / `tbm reopen` exit 0 when recorded, 1 when refused (already closed, not closed, no
run yet), 2 on a bad --month, 3 when a blocking gate of the month is red, 5 when a run holds it.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click

from orchestration.lib.settings import ENGINES, SETTINGS, Settings

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
engine_option = click.option(
    "--engine",
    envvar=SETTINGS["engine"][0],
    type=click.Choice(ENGINES),
    default=SETTINGS["engine"][1],
    show_default=True,
    help=f"{SETTINGS['engine'][2]} [env {SETTINGS['engine'][0]}; dbt target: TBM_DBT_TARGET, "
    "default the engine's name, e.g. spark_standalone or spark_thrift]",
)
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


@main.command()
@landing_option
@warehouse_option
@published_option
@engine_option
@click.option(
    "--full-refresh",
    is_flag=True,
    envvar="TBM_FULL_REFRESH",
    help="rebuild every billing month, not only the changed ones (a run does so by itself after "
    "a change of the models, seeds or reporting currency) [env TBM_FULL_REFRESH=1]",
)
def run(landing: Path, warehouse: Path, published: Path, engine: str, full_refresh: bool) -> None:
    """Load every new landing file, build the models, run the gates and publish if they pass.

    The charge-level models rebuild only the billing months whose files are new or were
    re-delivered (and months whose FX rates changed); the other months keep their rows."""
    import os

    os.environ["TBM_FULL_REFRESH"] = "1" if full_refresh else ""
    sys.exit(_run(landing, warehouse, published, engine))


@main.command()
@landing_option
@warehouse_option
@published_option
@engine_option
@click.option(
    "--rows",
    default=60_000,
    show_default=True,
    type=click.IntRange(min=100),
    help="approximate number of billing rows to generate",
)
def demo(landing: Path, warehouse: Path, published: Path, engine: str, rows: int) -> None:
    """Generate the demo data set and run the whole graph on it (generate + run)."""
    from orchestration.demo import generate as run_generate

    click.echo(f"Generating demo data in {landing} ...")
    report = run_generate(landing, rows=rows)
    click.echo(f"  {len(report.files)} files, {sum(f.rows for f in report.files)} rows")
    sys.exit(_run(landing, warehouse, published, engine))


@main.command()
@click.option(
    "--rows",
    default=200_000,
    show_default=True,
    type=click.IntRange(min=1000),
    help="approximate number of billing rows to generate (over all months)",
)
@click.option(
    "--months",
    default=1,
    show_default=True,
    type=click.IntRange(1, 23),
    help="number of consecutive billing months",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help="folder for bench.json and bench.md (default: print only)",
)
@click.option(
    "--workdir",
    default="data/bench",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="scratch folder for the landing files and the warehouse (emptied first)",
)
@click.option(
    "--add-month",
    is_flag=True,
    help="then land one more month (rows / months rows) and time the incremental run that "
    "loads it; the floor then checks every month",
)
@click.option("--seed", default=7, show_default=True, type=int, help="generator seed")
@click.option(
    "--gzip",
    "gzip_billing",
    is_flag=True,
    help="deliver the plain-CSV billing files as csv.gz (50M rows are 27 GB of plain CSV)",
)
def bench(**options) -> None:
    """Benchmark: generate, run the whole graph (load, dbt build, gates, publish), time each
    stage and the peak memory, and check the totals against a hand-written DuckDB floor."""
    sys.exit(_bench(**options))


def _bench(
    rows: int,
    months: int,
    out: Path | None,
    workdir: Path,
    add_month: bool,
    seed: int,
    gzip_billing: bool = False,
) -> int:
    import json
    import os
    import shutil
    import tempfile

    import duckdb

    from orchestration.demo import generate as run_generate
    from orchestration.lib import bench as b
    from orchestration.lib.warehouse import RunLocked, run_lock

    workdir = workdir if workdir.is_absolute() else Path.cwd() / workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    landing, warehouse = workdir / "landing", workdir / "warehouse" / "tbm.duckdb"
    settings = _apply_settings(landing, warehouse, None)
    start_month = "2026-08"
    load_at_start = os.getloadavg()[0]
    with b.MemorySampler() as sampler:
        sampler.phase = "generate"
        click.echo(f"Generating {rows:,} billing rows over {months} month(s) in {landing} ...")
        started = time.monotonic()
        report = run_generate(
            landing,
            rows=rows,
            months=months,
            seed=seed,
            start_month=start_month,
            gzip_billing=gzip_billing,
        )
        generate_seconds = time.monotonic() - started
        generated = sum(f.rows for f in report.files if f.kind == "billing")
        click.echo(f"  {len(report.files)} files in {generate_seconds:.1f}s")
        sampler.phase = "pipeline"
        try:
            with run_lock(settings.warehouse):
                pipeline_started = time.time()
                started = time.monotonic()
                job_run = _execute_job(settings)
                pipeline_seconds = time.monotonic() - started
                code = _report_run(job_run, settings, pipeline_seconds)
                run_results = b.latest_run_results(b.PROJECT_DIR / "target", pipeline_started)
                first_run = None
                one_month_seconds = None
                if add_month and code == EXIT_OK:
                    first_run = (pipeline_seconds, job_run)
                    added = _month_after(start_month, months)
                    click.echo(f"\nLanding one more month ({added}) and running again ...")
                    sampler.phase = "generate"
                    extra = workdir / f"added-{added}"
                    more = run_generate(
                        extra,
                        rows=max(rows // months, 1000),
                        months=1,
                        seed=seed + 1,
                        start_month=added,
                        gzip_billing=gzip_billing,
                    )
                    generated += sum(f.rows for f in more.files if f.kind == "billing")
                    for kind in extra.iterdir():  # hard links: the files stay in `extra` too
                        shutil.copytree(
                            kind, landing / kind.name / f"added-{added}", copy_function=os.link
                        )
                    sampler.phase = "pipeline"
                    pipeline_started = time.time()
                    started = time.monotonic()
                    job_run = _execute_job(settings)
                    pipeline_seconds = time.monotonic() - started
                    code = _report_run(job_run, settings, pipeline_seconds)
                    run_results = b.latest_run_results(b.PROJECT_DIR / "target", pipeline_started)
                    if code == EXIT_OK:
                        # what the added month is compared with: the same month's files built
                        # alone on a fresh warehouse, now, on the same machine
                        click.echo(f"\nBuilding {added} alone on a fresh warehouse ...")
                        sampler.phase = "one_month"
                        alone = _apply_settings(extra, workdir / "one-month" / "tbm.duckdb", None)
                        started = time.monotonic()
                        alone_run = _execute_job(alone)
                        one_month_seconds = time.monotonic() - started
                        if not alone_run.result.success:
                            click.echo("error: the one-month build failed", err=True)
                            code = EXIT_ERROR
                        settings = _apply_settings(landing, warehouse, None)
        except RunLocked as exc:
            click.echo(f"error: {exc}", err=True)
            return EXIT_LOCKED
        sampler.phase = "floor"
        click.echo("\nRunning the floor (one DuckDB script over the landing files) ...")
        floor_error = None
        with tempfile.TemporaryDirectory(dir=workdir) as scratch:
            treatment = "central"
            try:
                floor = b.run_floor(landing, settings, Path(scratch), treatment)
            except duckdb.Error as exc:  # the pipeline's figures are still reported
                click.echo(f"error: the floor failed: {exc}", err=True)
                floor, floor_error = b.FloorResult(0.0, 0, {}), f"the floor failed: {exc}"
    self_rss, children_rss = b.rusage_bytes()
    pipeline = b.pipeline_totals(settings.published) if code == EXIT_OK else {}
    if code != EXIT_OK:
        mismatches = ["the run failed"]
    elif floor_error:
        mismatches = [floor_error]
    else:
        mismatches = b.compare(pipeline, floor.totals)
    gate_steps = {
        e.step_key
        for e in job_run.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name.startswith("gx_")
    }
    from orchestration.lib.gates import step_seconds

    stages = {"setup": job_run.setup_seconds}
    for step, seconds in step_seconds(job_run.step_records()).items():
        stage = b.stage_of(step, gate_steps)
        stages[stage] = stages.get(stage, 0.0) + seconds
    # the job's own time outside any step: Dagster start-up, step dispatch, event handling
    stages["dagster_overhead"] = pipeline_seconds - sum(stages.values())
    stages = {k: round(v, 2) for k, v in stages.items()}
    measured_months = months + (1 if first_run else 0)
    result = b.BenchReport(
        rows=floor.rows,
        months=measured_months,
        generated_rows=generated,
        generate_seconds=round(generate_seconds, 2),
        pipeline_seconds=round(pipeline_seconds, 2),
        floor_seconds=round(floor.seconds, 2),
        ratio=round(pipeline_seconds / floor.seconds, 2) if floor.seconds else 0.0,
        rows_per_second=round(floor.rows / pipeline_seconds, 1) if pipeline_seconds else 0.0,
        peak_rss_bytes=sampler.peak,
        peak_rss_pipeline_bytes=sampler.phase_peaks.get("pipeline", 0),
        peak_rss_floor_bytes=sampler.phase_peaks.get("floor", 0),
        rusage_self_maxrss_bytes=self_rss,
        rusage_children_maxrss_bytes=children_rss,
        totals_match=not mismatches,
        exit_code=code,
        stages=stages,
        dbt_models=b.dbt_node_seconds(run_results),
        mismatches=mismatches,
        headline=b.headline(pipeline),
        memory_limit=settings.memory_limit,
        cpu_count=os.cpu_count() or 0,
        load_average=(round(load_at_start, 1), round(os.getloadavg()[0], 1)),
    )
    if gzip_billing:
        result.billing_files = "as generated, the plain-CSV ones gzipped (--gzip)"
    if one_month_seconds:
        result.one_month_build_seconds = round(one_month_seconds, 2)
        result.one_month_build_setup_seconds = round(alone_run.setup_seconds, 2)
        result.added_month_ratio = round(pipeline_seconds / one_month_seconds, 2)
        click.echo(
            f"Building the added month alone on a fresh warehouse took {one_month_seconds:.1f}s: "
            f"the run that added it took {result.added_month_ratio:.2f}x that"
        )
    if first_run:
        result.first_run_seconds = round(first_run[0], 2)
        click.echo(
            f"\nIncremental: the run that added month {measured_months} took "
            f"{pipeline_seconds:.1f}s; the {months}-month build before it {first_run[0]:.1f}s"
        )
    click.echo("")
    click.echo(result.table())
    for problem in mismatches[:20]:
        click.echo(f"  mismatch {problem}")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        (out / "bench.md").write_text(result.markdown())
        click.echo(f"\nWrote {out / 'bench.json'} and {out / 'bench.md'}")
    if code != EXIT_OK:
        return code
    return EXIT_OK if not mismatches else EXIT_ERROR


def _month_after(start_month: str, months: int) -> str:
    year, month = (int(x) for x in start_month.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@main.command("export-focus")
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
    from orchestration.lib.focus_export import (
        ExportError,
        WarehouseLocked,
        export_focus,
        parse_month,
    )

    try:
        billing_month = parse_month(month)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
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


@main.command("close")
@click.option("--month", required=True, help="billing month to close, YYYY-MM")
@warehouse_option
@click.option("--by", default=None, help="who closes the month (default: the OS user)")
def close(month: str, warehouse: Path, by: str | None) -> None:
    """Close a month: refuse while a blocking gate of it is red, else record the close and
    freeze its allocation, showback and reconciliation rows in the `closed` schema."""
    from orchestration.lib.close import GateRed, close_month

    sys.exit(_close_command(month, warehouse, by, close_month, gate_red=GateRed))


@main.command("reopen")
@click.option("--month", required=True, help="closed billing month to reopen, YYYY-MM")
@click.option("--reason", required=True, help="why the closed month is reopened (recorded)")
@warehouse_option
@click.option("--by", default=None, help="who reopens the month (default: the OS user)")
def reopen(month: str, reason: str, warehouse: Path, by: str | None) -> None:
    """Reopen a closed month (recorded with who, when and the reason)."""
    from orchestration.lib.close import reopen_month

    sys.exit(
        _close_command(month, warehouse, by, lambda con, m, who: reopen_month(con, m, reason, who))
    )


@main.command("report")
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
    from orchestration.lib.focus_export import parse_month
    from orchestration.lib.report import write_report

    try:
        billing_month = parse_month(month)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    published = published or warehouse.with_name(warehouse.stem + ".published.duckdb")
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

    from orchestration.lib.close import CloseError
    from orchestration.lib.focus_export import parse_month
    from orchestration.lib.warehouse import RunLocked, run_lock

    try:
        billing_month = parse_month(month)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_USAGE
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


def _apply_settings(
    landing: Path, warehouse: Path, published: Path | None, engine: str = "duckdb"
) -> Settings:
    import os

    os.environ["TBM_ENGINE"] = engine
    os.environ["TBM_LANDING"] = str(landing)
    os.environ["TBM_WAREHOUSE"] = str(warehouse)
    os.environ["TBM_PUBLISHED"] = str(published) if published else ""
    settings = Settings.from_env()
    settings.export()
    return settings


def _run(landing: Path, warehouse: Path, published: Path, engine: str = "duckdb") -> int:
    try:
        settings = _apply_settings(landing, warehouse, published, engine)
    except ValueError as exc:  # a setting that does not parse (the message names it)
        click.echo(f"error: {exc}", err=True)
        return EXIT_USAGE
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
    started = time.monotonic()
    on = f"{settings.warehouse}"
    if settings.engine == "spark":
        from orchestration.lib.dbt_project import dbt_target

        on += f", dbt on Spark (target {dbt_target()}, {settings.spark_dir})"
    click.echo(f"Running load -> dbt build -> gates -> publish on {on} ...")
    job_run = _execute_job(settings)
    return _report_run(job_run, settings, time.monotonic() - started)


class JobRun:
    """A finished in-process execution of the `tbm_run` job."""

    def __init__(self, result, instance, log_path: Path, setup_seconds: float) -> None:
        self.result = result
        self.instance = instance
        self.log_path = log_path
        self.setup_seconds = setup_seconds

    def step_records(self) -> list[tuple[str, str, float]]:
        return [
            (r.dagster_event.step_key, r.dagster_event.event_type_value, r.timestamp)
            for r in self.instance.all_logs(self.result.run_id)
            if r.dagster_event is not None and r.dagster_event.step_key
        ]


def _execute_job(settings: Settings) -> JobRun:
    """Run the Dagster job in this process; dbt's and Dagster's output go to a run log."""
    import dagster as dg

    from orchestration.lib.dbt_project import ensure_manifest

    started = time.monotonic()
    ensure_manifest()
    from orchestration.definitions import defs

    job = defs.resolve_job_def("tbm_run")
    log_dir = settings.warehouse.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    click.echo(f"  dbt and Dagster output: {log_path}")
    instance = dg.DagsterInstance.ephemeral()
    setup_seconds = time.monotonic() - started
    # dagster-dbt echoes dbt's log lines to stdout; they go to the run log, the summary to stdout
    with log_path.open("w") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            raise_on_error=False,
            instance=instance,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
    return JobRun(result, instance, log_path, setup_seconds)


def _report_run(job_run: JobRun, settings: Settings, seconds: float) -> int:
    """Print the summary and the gate report of a run; its exit code."""
    from orchestration.lib.summary import RunOutcome, print_summary

    result, instance, log_path = job_run.result, job_run.instance, job_run.log_path
    outcome = RunOutcome.from_result(result, settings, seconds)
    print_summary(outcome, settings)
    _print_gate_report(result, instance, settings, outcome)
    if outcome.failed_steps:
        click.echo(f"  see {log_path} for the failed steps' output")
    if outcome.failed_steps and not outcome.gate_failed:
        return EXIT_BUILD_FAILED if outcome.dbt_failed else EXIT_ERROR
    if outcome.gate_failed:
        return EXIT_GATE_FAILED
    return EXIT_OK


def _print_gate_report(result, instance, settings: Settings, outcome) -> None:
    """Where the gate results are, the warnings published with the data, and the gates' time."""
    from orchestration.lib.gates import step_seconds

    evaluations = [e for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    gate_steps = {
        e.step_key
        for e in evaluations
        if e.asset_check_evaluation_data.check_name.startswith("gx_")
    }
    if not gate_steps:
        return
    records = [
        (r.dagster_event.step_key, r.dagster_event.event_type_value, r.timestamp)
        for r in instance.all_logs(result.run_id)
        if r.dagster_event is not None and r.dagster_event.step_key
    ]
    gate_time = sum(s for step, s in step_seconds(records).items() if step in gate_steps)
    share = gate_time / outcome.seconds if outcome.seconds else 0.0
    warnings = [g for g in outcome.gates if not g.passed and not g.blocking]
    echo = click.echo
    echo("")
    echo(
        f"Gate results: audit.gate_results in {settings.warehouse.name} (every run; "
        "marts.fct_data_quality presents them)"
    )
    if outcome.published:
        echo(f"  published with the data as quality.gate_results in {settings.published.name}")
        if warnings:
            echo(f"  published with {len(warnings)} warning(s):")
            for gate in warnings:
                for failure in gate.failures[:20]:
                    echo(f"    warn  {gate.name}: {failure}")
    docs = settings.gx_docs / "index.html"
    if docs.exists():
        echo(f"  GX Data Docs: {docs}")
    echo(
        f"  gate checks took {gate_time:.1f}s of the run's {outcome.seconds:.1f}s "
        f"({share:.1%}; {len(gate_steps)} checks)"
    )


if __name__ == "__main__":
    main()

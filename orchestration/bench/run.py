"""`tbm bench`: generate, run, time and check one benchmark case (orchestration/bench/__init__.py
holds the measuring parts: memory sampler, floor, comparison, report)."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click
import duckdb

from orchestration.bench.measure import (
    PROJECT_DIR,
    BenchReport,
    CopyFloor,
    FloorResult,
    MemorySampler,
    compare,
    dbt_node_seconds,
    headline,
    latest_run_results,
    pipeline_totals,
    run_copy_floor,
    run_floor,
    rusage_bytes,
    stage_of,
)
from orchestration.commands.run import EXIT_ERROR, EXIT_LOCKED, EXIT_OK, execute_job, report_run
from orchestration.demo import GenerateReport, generate
from orchestration.pipeline.gates import step_seconds
from orchestration.settings import Settings
from orchestration.warehouse import RunLocked, run_lock


def run_generate(landing: Path, **options) -> GenerateReport:
    """`generate` in a child process: the generator's memory (the Python heap it grows to write
    millions of rows, which the process keeps) is not counted in the pipeline's peak."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(generate, landing, **options).result()


def run_bench(
    rows: int,
    months: int,
    out: Path | None,
    workdir: Path,
    add_month: bool,
    seed: int,
    gzip_billing: bool = False,
    no_floors: bool = False,
) -> int:
    """Generate, run the whole graph (and with ADD_MONTH one more month, then that month alone),
    run the floor, compare the totals and print (and with OUT write) the report; the exit
    code."""
    workdir = workdir if workdir.is_absolute() else Path.cwd() / workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    landing, warehouse = workdir / "landing", workdir / "warehouse" / "tbm.duckdb"
    settings = Settings.from_env(landing=landing, warehouse=warehouse)
    start_month = "2026-08"
    load_at_start = os.getloadavg()[0]
    with MemorySampler() as sampler:
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
                job_run, pipeline_seconds, code, run_results = _timed_run(settings)
                first_run = None
                one_month_seconds = None
                if add_month and code == EXIT_OK:
                    first_run = (pipeline_seconds, job_run)
                    added = month_after(start_month, months)
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
                    job_run, pipeline_seconds, code, run_results = _timed_run(settings)
                    if code == EXIT_OK:
                        # what the added month is compared with: the same month's files built
                        # alone on a fresh warehouse, now, on the same machine
                        click.echo(f"\nBuilding {added} alone on a fresh warehouse ...")
                        sampler.phase = "one_month"
                        alone = Settings.from_env(
                            landing=extra, warehouse=workdir / "one-month" / "tbm.duckdb"
                        )
                        started = time.monotonic()
                        alone_run = execute_job(alone)
                        one_month_seconds = time.monotonic() - started
                        if not alone_run.result.success:
                            click.echo("error: the one-month build failed", err=True)
                            code = EXIT_ERROR
        except RunLocked as exc:
            click.echo(f"error: {exc}", err=True)
            return EXIT_LOCKED
        floor, floor_error = FloorResult(0.0, 0, {}), None
        copy_floor, copy_error = CopyFloor(0.0, 0, 0), None
        if not no_floors:
            floor, floor_error = _floor(landing, settings, workdir, sampler)
            copy_floor, copy_error = _copy_floor(landing, settings, workdir, sampler)
    self_rss, children_rss = rusage_bytes()
    pipeline = pipeline_totals(settings.published) if code == EXIT_OK else {}
    if code != EXIT_OK:
        mismatches = ["the run failed"]
    elif no_floors:
        mismatches = []
    elif floor_error:
        mismatches = [floor_error]
    else:
        mismatches = compare(pipeline, floor.totals)
    if copy_error:
        mismatches.append(copy_error)
    gate_steps = {
        e.step_key
        for e in job_run.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.asset_check_evaluation_data.check_name.startswith("gx_")
    }
    stages = {"setup": job_run.setup_seconds}
    for step, seconds in step_seconds(job_run.step_records()).items():
        stage = stage_of(step, gate_steps)
        stages[stage] = stages.get(stage, 0.0) + seconds
    # the job's own time outside any step: Dagster start-up, step dispatch, event handling
    stages["dagster_overhead"] = pipeline_seconds - sum(stages.values())
    stages = {k: round(v, 2) for k, v in stages.items()}
    measured_months = months + (1 if first_run else 0)
    result = BenchReport(
        rows=floor.rows,
        months=measured_months,
        generated_rows=generated,
        generate_seconds=round(generate_seconds, 2),
        pipeline_seconds=round(pipeline_seconds, 2),
        floor_seconds=round(floor.seconds, 2),
        ratio=round(pipeline_seconds / floor.seconds, 2) if floor.seconds else 0.0,
        copy_floor_seconds=round(copy_floor.seconds, 2),
        ratio_copy=round(pipeline_seconds / copy_floor.seconds, 2) if copy_floor.seconds else 0.0,
        copy_floor_rows=copy_floor.rows,
        # without a floor, of the rows generated (superseded deliveries included)
        rows_per_second=round((floor.rows or generated) / pipeline_seconds, 1)
        if pipeline_seconds
        else 0.0,
        peak_rss_bytes=sampler.peak,
        peak_rss_pipeline_bytes=sampler.phase_peaks.get("pipeline", 0),
        peak_rss_floor_bytes=sampler.phase_peaks.get("floor", 0),
        rusage_self_maxrss_bytes=self_rss,
        rusage_children_maxrss_bytes=children_rss,
        totals_match=None if no_floors and code == EXIT_OK else not mismatches,
        exit_code=code,
        stages=stages,
        dbt_models=dbt_node_seconds(run_results),
        mismatches=mismatches,
        headline=headline(pipeline),
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


def _floor(landing: Path, settings: Settings, workdir: Path, sampler: MemorySampler):
    """The floor's result, and why it failed (the pipeline's figures are still reported)."""
    sampler.phase = "floor"
    click.echo("\nRunning the floor (one DuckDB script over the landing files) ...")
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        try:
            return run_floor(landing, settings, Path(scratch), "central"), None
        except duckdb.Error as exc:
            click.echo(f"error: the floor failed: {exc}", err=True)
            return FloorResult(0.0, 0, {}), f"the floor failed: {exc}"


def _copy_floor(landing: Path, settings: Settings, workdir: Path, sampler: MemorySampler):
    """The copy floor's result, and why it failed (a mismatch: the ratio is not measured)."""
    sampler.phase = "copy_floor"
    click.echo("Running the copy floor (every billing file read into DuckDB, nothing else) ...")
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        try:
            return run_copy_floor(landing, settings, Path(scratch)), None
        except duckdb.Error as exc:
            click.echo(f"error: the copy floor failed: {exc}", err=True)
            return CopyFloor(0.0, 0, 0), f"the copy floor failed: {exc}"


def _timed_run(settings: Settings):
    """One run of the job: its result, seconds, exit code and its own dbt run results."""
    pipeline_started = time.time()
    started = time.monotonic()
    job_run = execute_job(settings)
    seconds = time.monotonic() - started
    code = report_run(job_run, settings, seconds)
    return job_run, seconds, code, latest_run_results(PROJECT_DIR / "target", pipeline_started)


def month_after(start_month: str, months: int) -> str:
    year, month = (int(x) for x in start_month.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"

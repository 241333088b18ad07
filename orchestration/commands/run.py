"""Running the Dagster job in this process and reporting it: what `tbm run`, `tbm demo` and
`tbm bench` share.

Exit codes (stable; scripts rely on them):
  0  success: every blocking gate passed and the BI file was published
  1  unexpected error (a message says what failed)
  2  usage error (a bad flag or value)
  3  a blocking gate failed: nothing was published, the built models stay inspectable
  4  the dbt build failed (a model error or a failing dbt data test): nothing was published
  5  another run holds the warehouse
  6  the organisation folder is invalid (each error names file, line and column): nothing ran
  7  no billing data: no billing file loaded, in this run or before; nothing was built or published
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click

from orchestration.settings import Settings

(
    EXIT_OK,
    EXIT_ERROR,
    EXIT_USAGE,
    EXIT_GATE_FAILED,
    EXIT_BUILD_FAILED,
    EXIT_LOCKED,
    EXIT_INVALID_ORG,
    EXIT_NO_BILLING,
) = range(8)


def run_pipeline(settings: Settings) -> int:
    """Check the organisation folder, then load, build, gate and publish under the run lock;
    print the summary; the exit code."""
    if not settings.landing.is_dir():
        click.echo(
            f"error: landing folder {settings.landing} does not exist "
            "(run `tbm generate` or point --landing at your extracts)",
            err=True,
        )
        return EXIT_USAGE
    from orchestration.org import validate

    problems = validate(settings.org)
    if problems:
        click.echo(f"error: the organisation folder {settings.org} is invalid:", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        return EXIT_INVALID_ORG
    from orchestration.warehouse import RunLocked, run_lock

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
        on += f", dbt on Spark (target {settings.dbt_target}, {settings.spark_dir})"
    click.echo(f"Running load -> dbt build -> gates -> publish on {on} ...")
    job_run = execute_job(settings)
    return report_run(job_run, settings, time.monotonic() - started)


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


def execute_job(settings: Settings) -> JobRun:
    """Run the Dagster job in this process with SETTINGS; dbt's and Dagster's output go to a
    run log."""
    import dagster as dg

    from orchestration.pipeline.dbt_project import ensure_manifest
    from orchestration.resources import SettingsResource

    # the dbt subprocesses read their profile and vars from the environment
    with settings.exported():
        started = time.monotonic()
        ensure_manifest(settings)
        from orchestration.definitions import defs

        job = defs.resolve_job_def("tbm_run")
        log_dir = settings.warehouse.parent / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
        click.echo(f"  dbt and Dagster output: {log_path}")
        instance = dg.DagsterInstance.ephemeral()
        setup_seconds = time.monotonic() - started
        # dagster-dbt echoes dbt's log lines to stdout, and Dagster's console logger writes
        # to stderr (a failed step's error with its stack trace, a blocking gate's failure
        # among them): both go to the run log; the summary, with every verdict, to stdout
        with (
            log_path.open("w") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            result = job.execute_in_process(
                raise_on_error=False,
                instance=instance,
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                resources={"settings": SettingsResource.of(settings)},
            )
    return JobRun(result, instance, log_path, setup_seconds)


def report_run(job_run: JobRun, settings: Settings, seconds: float) -> int:
    """Print the summary and the gate report of a run; its exit code."""
    from orchestration.commands.summary import RunOutcome, print_summary

    outcome = RunOutcome.from_result(job_run.result, settings, seconds)
    if not outcome.failed_steps and not outcome.published:
        outcome.no_billing = _no_billing(settings)
    print_summary(outcome, settings)
    if outcome.no_billing:
        return EXIT_NO_BILLING
    print_gate_report(job_run, settings, outcome)
    if outcome.failed_steps:
        notify_failure(job_run, settings)
        click.echo(f"  see {job_run.log_path} for the failed steps' output")
    if outcome.failed_steps and not outcome.gate_failed:
        return EXIT_BUILD_FAILED if outcome.dbt_failed else EXIT_ERROR
    if outcome.gate_failed:
        return EXIT_GATE_FAILED
    if not job_run.result.success:  # failed before any step (a resource, the run lock)
        click.echo(f"error: the run failed before its steps; see {job_run.log_path}", err=True)
        return EXIT_ERROR
    return EXIT_OK


def notify_failure(job_run: JobRun, settings: Settings) -> None:
    """A failed run's alert (failed gate, failed step), as the run-failure sensor sends it for
    runs that Dagster started."""
    from orchestration.commands.summary import print_alert_delivery
    from orchestration.defs.automation import notify_run_failures, run_failures

    failures = run_failures(job_run.instance, job_run.result.run_id)
    report = notify_run_failures(settings, job_run.result.run_id, failures)
    click.echo("")
    print_alert_delivery(report.as_metadata())


def _no_billing(settings: Settings) -> str | None:
    """The verdict of a run that built nothing because no billing row was ever loaded."""
    from orchestration.pipeline.load import no_billing_verdict
    from orchestration.warehouse import warehouse

    with warehouse(settings) as con:
        return no_billing_verdict(con, settings.landing)


def print_gate_report(job_run: JobRun, settings: Settings, outcome) -> None:
    """Where the gate results are, the warnings published with the data, and the gates' time."""
    from orchestration.pipeline.gates import step_seconds

    evaluations = [
        e for e in job_run.result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    gate_steps = {
        e.step_key
        for e in evaluations
        if e.asset_check_evaluation_data.check_name.startswith("gx_")
    }
    if not gate_steps:
        return
    step_times = step_seconds(job_run.step_records())
    gate_time = sum(s for step, s in step_times.items() if step in gate_steps)
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
            named = ", ".join(f"{g.name} ({len(g.failures)} finding(s))" for g in warnings)
            echo(f"  published with {len(warnings)} warning(s), listed above: {named}")
    docs = settings.gx_docs / "index.html"
    if docs.exists():
        echo(f"  GX Data Docs: {docs}")
    echo(
        f"  gate checks took {gate_time:.1f}s of the run's {outcome.seconds:.1f}s "
        f"({share:.1%}; {len(gate_steps)} checks)"
    )

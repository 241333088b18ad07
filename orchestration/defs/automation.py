"""Unattended runs: the landing sensor, the daily schedule and the run-failure sensor.

- `landing_sensor`: a new or changed file in the landing folder (path, size, modification time)
  requests a run; while a typed `tbm run` holds the warehouse it skips with a message and asks
  again at the next tick.
- `tbm_daily`: a run every day (TBM_SCHEDULE_CRON, UTC), so that freshness is judged against the
  clock even when no file arrives (`tbm serve` sets TBM_FRESHNESS_AS_OF=now).
- `run_failure_alerts`: a failed run raises its alert (gate_failed, stale_data for the freshness
  gate, run_failed for a failed step) through the notifier.
The run itself waits for the run lock (orchestration/resources.py), so a run Dagster starts and
a typed `tbm run` never overlap.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from orchestration.settings import OperationSettings, Settings

JOB = "tbm_run"


def landing_fingerprint(landing: Path) -> str:
    """A digest of every landing file's path, size and modification time."""
    digest = hashlib.sha256()
    if landing.is_dir():
        for path in sorted(p for p in landing.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(landing)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


@dg.sensor(
    job_name=JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when a file lands in (or changes in) the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext):
    from orchestration.warehouse import lock_holder

    settings = Settings.from_env()
    fingerprint = landing_fingerprint(settings.landing)
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no new or changed file in {settings.landing}")
    holder = lock_holder(settings.warehouse)
    if holder:
        return dg.SkipReason(
            f"{settings.warehouse} is in use by a running tbm run ({holder}); the new files "
            "start a run at a later tick"
        )
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"tbm/trigger": "landing"})


tbm_daily = dg.ScheduleDefinition(
    name="tbm_daily",
    job_name=JOB,
    cron_schedule=OperationSettings.from_env().schedule_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    tags={"tbm/trigger": "schedule"},
    description="A daily run: new files, and freshness judged against the clock.",
)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Raises the alert of a failed run (a blocking gate, a failed step).",
)
def run_failure_alerts(context: dg.RunFailureSensorContext):
    failures = run_failures(context.instance, context.dagster_run.run_id)
    report = notify_run_failures(Settings.from_env(), context.dagster_run.run_id, failures)
    for line in report.lines:
        context.log.warning(line)


def run_failures(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str, str]]:
    """(rule, scope, message) of what failed in a run: each blocking gate that failed, else
    each failed step."""
    records = instance.all_logs(run_id)
    gates = [
        r.dagster_event.asset_check_evaluation_data
        for r in records
        if r.dagster_event and r.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failed = [
        g
        for g in gates
        if not g.passed
        and g.check_name.startswith("gx_")
        and g.severity == dg.AssetCheckSeverity.ERROR
    ]
    if failed:
        return [gate_failure(g.check_name[3:], _failures_text(g)) for g in failed]
    steps = sorted(
        {
            r.dagster_event.step_key
            for r in records
            if r.dagster_event and r.dagster_event.event_type_value == "STEP_FAILURE"
        }
    )
    return [("run_failed", step, f"step {step} failed") for step in steps]


def gate_failure(gate: str, message: str) -> tuple[str, str, str]:
    return ("stale_data" if gate == "freshness" else "gate_failed", gate, message)


def _failures_text(evaluation) -> str:
    text = evaluation.metadata.get("failures")
    return text.value.splitlines()[0] if text is not None and text.value != "none" else "failed"


def notify_run_failures(settings: Settings, run_id: str, failures):
    """Deliver the alerts of a failed run; a delivery problem is reported, never raised."""
    from orchestration.alerts.notify import DeliveryReport, deliver_run_failures, read_routes
    from orchestration.warehouse import warehouse

    if not failures:
        return DeliveryReport()
    try:
        op, routes = OperationSettings.from_env(), read_routes(settings.org)
        with warehouse(settings) as con:
            has_rules = _has_alert_rules(con)
        if not has_rules:
            problem = build_alert_rules(settings)
            if problem:
                return DeliveryReport(lines=[f"alert delivery failed: {problem}"])
        with warehouse(settings) as con:
            return deliver_run_failures(con, run_id, op, routes, failures)
    except Exception as exc:  # the alert of a failure must not fail again
        return DeliveryReport(lines=[f"alert delivery failed: {type(exc).__name__}: {exc}"])


def _has_alert_rules(con) -> bool:
    ((found,),) = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'marts' and table_name = 'dim_alert_rules'"
    ).fetchall()
    return bool(found)


def build_alert_rules(settings: Settings) -> str | None:
    """Build the alert rules and their routes (marts.dim_alert_rules and what it reads: the
    practice's and the organisation's seeds, no raw data) in a warehouse that has none yet, so
    that a first run failing before its dbt build still raises its alert. On DuckDB, where the
    notifier reads. The problem, or None."""
    from orchestration.pipeline.dbt_project import ensure_manifest, run_dbt, seed_partial_parse
    from orchestration.settings import PROJECT_DIR

    ensure_manifest(settings)  # the organisation folder staged as seeds, the project parsed
    target_path = PROJECT_DIR / "target" / "alert_rules"
    if settings.dbt_target == "duckdb":
        seed_partial_parse(settings, target_path)
    result = run_dbt(
        *("build", "--select", "+dim_alert_rules"),
        *("--exclude-resource-type", "test", "unit_test"),
        target="duckdb",
        target_path=target_path,
        env=settings.dbt_environment(),
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        return "the alert rules could not be built: " + " / ".join(output[-3:])
    return None

"""Alerts: the demo raises the practice's alerts, the notifier delivers each state once over a
real HTTP receiver and a real SMTP server on 127.0.0.1, a receiver that is down is retried and
logged, a cleared condition sends one resolution; the landing sensor starts a run when a file
lands and waits for a typed run's lock."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.alerts.notify import (
    deliver,
    deliver_after_publication,
    deliver_run_failures,
    read_routes,
)
from orchestration.defs.automation import landing_sensor, notify_run_failures
from orchestration.settings import OperationSettings, Settings
from tests.demo import PROJECT, copy_demo, open_warehouse, tbm

SUSTAINED_RATE = Decimal(3)  # dbt var slo_sustained_burn_rate
SUSTAINED_DAYS = 3  # dbt var slo_sustained_burn_days
ROUTES = read_routes(PROJECT / "orgs" / "demo")  # one webhook, its URL from the environment


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/tbm?token=s3cret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _operation(**changes) -> OperationSettings:
    return replace(
        OperationSettings.from_env(),
        **{"delivery_attempts": 3, "delivery_backoff_seconds": 0.0, **changes},
    )


def _sustained_burn_days(landing: Path, service: str) -> list[date]:
    """The days the service's burn is sustained, from the landing telemetry and the demo
    organisation's SLO: the day's and the trailing window's bad events over the allowed ones
    both above SUSTAINED_RATE (computed here, apart from the models)."""
    with (PROJECT / "orgs" / "demo" / "slo_targets.csv").open() as f:
        slo = next(
            Decimal(r["slo_target_percent"])
            for r in csv.DictReader(f)
            if r["service_id"] == service
        )
    days: dict[date, tuple[Decimal, Decimal]] = {}
    for path in sorted((landing / "telemetry").glob("*.csv")):
        with path.open() as f:
            for r in csv.DictReader(f):
                if r["service_id"] == service and r["slo_total_events"]:
                    total = Decimal(r["slo_total_events"])
                    bad = total - Decimal(r["slo_good_events"])
                    days[date.fromisoformat(r["usage_date"])] = (bad, total * (100 - slo) / 100)
    flagged = []
    for day, (bad, allowed) in sorted(days.items()):
        window = [days[d] for d in (day - timedelta(n) for n in range(SUSTAINED_DAYS)) if d in days]
        window_bad, window_allowed = sum(w[0] for w in window), sum(w[1] for w in window)
        if bad > SUSTAINED_RATE * allowed and window_bad > SUSTAINED_RATE * window_allowed:
            flagged.append(day)
    return flagged


def _open_alerts(published: Path) -> dict[str, tuple]:
    with open_warehouse(published) as con:
        rows = con.execute(
            "select alert_key, rule_id, scope_id, observed_value, threshold_value, runbook, "
            "first_seen_period, last_seen_period from marts.fct_alert_events "
            "where alert_state = 'open'"
        ).fetchall()
    return {r[0]: r for r in rows}


@pytest.mark.e2e
def test_alerts_are_raised_delivered_once_retried_and_resolved(demo_template, tmp_path, receiver):
    demo = copy_demo(demo_template, tmp_path)

    # the demo's sustained burn: payments at the end of October, still burning on the last day
    burn_days = _sustained_burn_days(demo["landing"], "payments")
    assert burn_days, "the demo company has a sustained burn"
    episode_start = burn_days[-1]
    while episode_start - timedelta(1) in burn_days:
        episode_start -= timedelta(1)
    open_alerts = _open_alerts(demo["published"])
    key = f"sustained_burn:service:payments:{episode_start}"
    assert key in open_alerts
    assert open_alerts[key][7] == burn_days[-1]
    with open_warehouse(demo["published"]) as con:
        # the days above forecast are alerts for review (resolved by later days)
        ((over_forecast_days,),) = con.execute(
            "select sum(period_count) from marts.fct_alert_events "
            "where rule_id = 'cost_over_forecast'"
        ).fetchall()
        ((flagged_days,),) = con.execute(
            "select sum(days_above_forecast_count) from marts.fct_budget_vs_actual"
        ).fetchall()
    assert over_forecast_days == flagged_days > 0

    # one message per open alert, naming rule, scope, value, threshold and runbook
    with open_warehouse(demo["warehouse"], read_only=False) as con:
        report = deliver_after_publication(
            con, "test-1", _operation(webhook_url=receiver.url), ROUTES
        )
    assert (report.delivered, report.failed) == (len(open_alerts), 0)
    sent = {b["alert"]["alert_key"]: b for b in receiver.bodies}
    assert set(sent) == set(open_alerts) and len(receiver.bodies) == len(open_alerts)
    for alert_key, (_, rule, scope, value, threshold, runbook, *_) in open_alerts.items():
        text = sent[alert_key]["text"]
        assert rule in alert_key and scope in text and runbook in text
        assert f"value {value.quantize(Decimal('0.0001')):,}" in text
        assert f"threshold {threshold.quantize(Decimal('0.0001')):,}" in text
        assert (PROJECT / runbook).is_file()

    # a second pass sends nothing new
    with open_warehouse(demo["warehouse"], read_only=False) as con:
        again = deliver_after_publication(
            con, "test-2", _operation(webhook_url=receiver.url), ROUTES
        )
    assert (again.delivered, len(receiver.bodies)) == (0, len(open_alerts))

    # a receiver that is down: retried, logged without the URL's secret, sent at the next try
    down = f"http://127.0.0.1:{_free_port()}/hooks/tbm?token=s3cret"
    failure = [("gate_failed", "currency", "currency errors: observed 3, limit = 0")]
    with open_warehouse(demo["warehouse"], read_only=False) as con:
        failed = deliver_run_failures(con, "test-3", _operation(webhook_url=down), ROUTES, failure)
        logged = con.execute(
            "select status, attempts, error from audit.alert_deliveries where run_id = 'test-3'"
        ).fetchall()
        retried = deliver_run_failures(
            con, "test-4", _operation(webhook_url=receiver.url), ROUTES, failure
        )
    assert failed.failed == 1 and logged[0][:2] == ("failed", 3)
    assert "s3cret" not in logged[0][2] and "127.0.0.1" not in logged[0][2]
    assert retried.delivered == 1
    assert receiver.bodies[-1]["alert"]["rule_id"] == "gate_failed"
    assert "docs/runbooks/gate_failed.md" in receiver.bodies[-1]["text"]

    # the burn stops: November's first days meet the SLO; the run publishes and resolves once
    header, *rows = (
        (demo["landing"] / "telemetry" / "service_telemetry_2026-10.csv").read_text().splitlines()
    )
    last = next(r for r in reversed(rows) if r.split(",")[1] == "payments").split(",")
    good = []
    for day in range(1, 4):
        values = [f"2026-11-0{day}", *last[1:]]
        values[header.split(",").index("slo_good_events")] = values[
            header.split(",").index("slo_total_events")
        ]
        good.append(",".join(values))
    (demo["landing"] / "telemetry" / "service_telemetry_2026-11.csv").write_text(
        "\n".join([header, *good]) + "\n"
    )
    # the run publishes with the receiver down: the resolutions are logged failed, the run
    # succeeds; the next delivery (the next run's) sends each once
    run = tbm(
        "run",
        "--landing",
        str(demo["landing"]),
        "--warehouse",
        str(demo["warehouse"]),
        env={
            "TBM_ALERT_WEBHOOK_URL": down,
            "TBM_ALERT_ATTEMPTS": "2",
            "TBM_ALERT_BACKOFF_SECONDS": "0",
        },
    )
    assert run.returncode == 0, run.stdout + run.stderr
    still_open = _open_alerts(demo["published"])
    expected = (set(open_alerts) - set(still_open)) | {receiver.bodies[-1]["alert"]["alert_key"]}
    assert key in expected
    new_open = set(still_open) - set(open_alerts)  # opened by November's data, if any
    assert f"failed {len(expected) + len(new_open)} (retried at the next run)" in run.stdout
    assert "Published for BI" in run.stdout
    with open_warehouse(demo["warehouse"]) as con:
        logged = con.execute(
            "select alert_key, status, attempts, error from audit.alert_deliveries "
            "where alert_state = 'resolved'"
        ).fetchall()
    assert sorted(k for k, *_ in logged) == sorted(expected)
    assert all(status == "failed" and attempts == 2 for _, status, attempts, _ in logged)
    assert not any("s3cret" in error for *_, error in logged)

    sent_before = len(receiver.bodies)
    for attempt in ("test-5", "test-6"):  # the second sends nothing
        with open_warehouse(demo["warehouse"], read_only=False) as con:
            deliver_after_publication(con, attempt, _operation(webhook_url=receiver.url), ROUTES)
    sent = [b["alert"] for b in receiver.bodies[sent_before:]]
    assert sorted(a["alert_key"] for a in sent if a["alert_state"] == "resolved") == sorted(
        expected
    )
    assert sorted(a["alert_key"] for a in sent if a["alert_state"] == "open") == sorted(new_open)


def test_a_first_run_failing_before_its_build_still_raises_its_alert(
    tmp_path, receiver, monkeypatch
):
    """A warehouse whose first run failed before dbt built anything has no alert rules yet: the
    notifier builds them (seeds and models, no raw data) and sends the run's alert, with the
    rule's severity and runbook and the route of alerts without an owner."""
    monkeypatch.setenv("TBM_ALERT_WEBHOOK_URL", receiver.url)
    settings = Settings.from_env(warehouse=tmp_path / "tbm.duckdb")
    failures = [("run_failed", "raw_billing", "step raw_billing failed")]
    report = notify_run_failures(settings, "first-run", failures)
    assert (report.delivered, report.lines) == (1, [])
    with (PROJECT / "seeds" / "alerts" / "tbm_alert_rules.csv").open() as f:
        rule = next(r for r in csv.DictReader(f) if r["rule_id"] == "run_failed")
    (route,) = ROUTES  # the demo organisation's one route, for every owner and severity
    (body,) = receiver.bodies
    sent = body["alert"]
    assert (sent["rule_id"], sent["scope_id"], sent["observed_value"]) == (
        "run_failed",
        "raw_billing",
        "step raw_billing failed",
    )
    assert (sent["severity"], sent["runbook"], sent["route_id"]) == (
        rule["default_severity"],
        rule["runbook"],
        route,
    )
    # a second notice of the same failure is not sent again while it is open
    again = notify_run_failures(settings, "second-run", failures)
    assert again.delivered == 0 and len(receiver.bodies) == 1


def test_a_route_target_in_the_organisation_folder_wins_over_the_environment(tmp_path, receiver):
    """alert_routes.csv as a spreadsheet saves it (a BOM, CRLF); its URL is the webhook, the
    environment's is not used."""
    (tmp_path / "alert_routes.csv").write_bytes(
        b"\xef\xbb\xbfroute_id,channel,target,severity,owner\r\n"
        + f"oncall,webhook,{receiver.url},page,*\r\nmail,email,,*,*\r\n".encode()
    )
    routes = read_routes(tmp_path)
    assert routes["mail"].target is None and routes["oncall"].channel == "webhook"
    alert = {
        "alert_key": "sustained_burn:service:payments:2026-10-29",
        "rule_name": "Error-budget burn sustained above 3x",
        "severity": "page",
        "alert_state": "open",
        "scope_type": "service",
        "scope_id": "payments",
        "observed_value": "4.4996",
        "threshold_value": "3",
        "cost_impact_reporting": "159.12",
        "reporting_currency": "USD",
        "period_grain": "day",
        "first_seen_period": "2026-10-29",
        "last_seen_period": "2026-10-31",
        "owner": "bruno.silva@example.com",
        "runbook": "docs/runbooks/sustained_burn.md",
    }
    op = _operation(webhook_url=f"http://127.0.0.1:{_free_port()}/elsewhere")
    route = routes["oncall"]
    assert deliver(op, route.channel, route.target, alert)[:2] == ("delivered", 1)
    (body,) = receiver.bodies
    assert body["alert"] == alert and body["text"].startswith("[tbm page] open: Error-budget")


def test_an_alert_is_sent_as_e_mail_over_smtp():
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        alert = {
            "alert_key": "budget_breach:business_unit:Digital Commerce:2026-10-01",
            "rule_name": "Budget breach",
            "severity": "ticket",
            "alert_state": "open",
            "scope_type": "business_unit",
            "scope_id": "Digital Commerce",
            "observed_value": "1200.5",
            "threshold_value": "1000",
            "cost_impact_reporting": "200.5",
            "reporting_currency": "USD",
            "period_grain": "month",
            "first_seen_period": "2026-10-01",
            "last_seen_period": "2026-10-01",
            "owner": None,
            "runbook": "docs/runbooks/budget_breach.md",
        }
        op = _operation(smtp_host="127.0.0.1", smtp_port=controller.port)
        assert deliver(op, "email", "finops@example.com", alert)[:2] == ("delivered", 1)
        no_server = _operation(smtp_host="")
        assert deliver(no_server, "email", "finops@example.com", alert)[0] == "not_configured"
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["finops@example.com"]
    message = envelope.content.decode()
    assert "Subject: [tbm ticket] open: Budget breach - business_unit Digital Commerce" in message
    assert "value 1,200.5000, threshold 1,000.0000" in message
    assert "docs/runbooks/budget_breach.md" in message


def test_the_landing_sensor_starts_a_run_when_a_file_lands(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    (landing / "billing").mkdir(parents=True)
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    monkeypatch.setenv("TBM_LANDING", str(landing))
    monkeypatch.setenv("TBM_WAREHOUSE", str(warehouse))
    (landing / "billing" / "a.csv").write_text("x\n")

    context = dg.build_sensor_context()
    first = landing_sensor(context)
    assert isinstance(first, dg.RunRequest)
    cursor = context.cursor
    assert isinstance(landing_sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)

    (landing / "billing" / "b.csv").write_text("y\n")  # a new file
    context = dg.build_sensor_context(cursor=cursor)
    second = landing_sensor(context)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key

    # while a typed `tbm run` holds the warehouse, the sensor skips with a message and keeps
    # its cursor, so the file starts a run at a later tick
    (landing / "billing" / "c.csv").write_text("z\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from orchestration.warehouse import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(30)",
            str(warehouse),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        locked = dg.build_sensor_context(cursor=context.cursor)
        skipped = landing_sensor(locked)
        assert isinstance(skipped, dg.SkipReason) and "in use" in skipped.skip_message
        assert locked.cursor == context.cursor
    finally:
        holder.kill()
        holder.wait()
    assert isinstance(landing_sensor(dg.build_sensor_context(cursor=context.cursor)), dg.RunRequest)


def test_definitions_run_by_themselves():
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("tbm_daily")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.job_name == "tbm_run"
    assert {s.name for s in defs.sensors} == {"landing_sensor", "run_failure_alerts"}

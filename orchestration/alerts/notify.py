"""The notifier: delivers alert state changes once per route and logs every attempt.

After a publication (`deliver_after_publication`), an alert of marts.fct_alert_events that is
open and was never delivered open on its route is sent; an alert delivered open that is no longer
open (its condition cleared, a maintenance window was declared, its rule was turned off, or a
later publication after a failed gate) is sent once as resolved. After a run whose blocking gate
failed (`deliver_run_failures`), the failure is an alert of its own (rule gate_failed, stale_data
for the freshness gate, run_failed for a failed step), resolved by the next publication.

Every attempt is a row of audit.alert_deliveries (the route's id, never its URL or password).
A receiver that does not answer is retried with backoff, then logged as failed and tried again
at the next run; delivery never fails or undoes a publication. Which alert is due is decided by
the SQL below over the mart and the log; Python only formats and sends.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import duckdb

from orchestration.alerts.channels import DeliveryError, NotConfigured, post_webhook, send_email
from orchestration.settings import OperationSettings
from orchestration.warehouse.control_tables import ensure_audit_schema

# Open alerts never delivered open on their route.
DUE_OPEN_SQL = """
select
    alert_key, rule_id, rule_name, severity, alert_state, scope_type, scope_id,
    observed_value, threshold_value, cost_impact_reporting, reporting_currency, period_grain,
    first_seen_period, last_seen_period, owner, runbook, route_id
from marts.fct_alert_events as alerts
where
    alert_state = 'open'
    and route_id is not null
    and not exists (
        select 1 from audit.alert_deliveries as sent
        where
            sent.status = 'delivered'
            and sent.alert_key = alerts.alert_key
            and sent.route_id = alerts.route_id
            and sent.alert_state = 'open'
    )
order by
    case severity when 'page' then 1 when 'ticket' then 2 else 3 end,
    alert_key
"""

# Alerts delivered open, not open any more, and not yet delivered resolved: the last open
# message's alert, to be sent as resolved.
DUE_RESOLVED_SQL = """
with delivered_open as (
    select
        alert_key,
        route_id,
        arg_max(alert_json, attempted_at) as alert_json
    from audit.alert_deliveries
    where status = 'delivered' and alert_state = 'open'
    group by alert_key, route_id
)
select alert_json
from delivered_open
where
    not exists (
        select 1 from marts.fct_alert_events as alerts
        where
            alerts.alert_key = delivered_open.alert_key
            and alerts.alert_state = 'open'
    )
    and not exists (
        select 1 from audit.alert_deliveries as sent
        where
            sent.status = 'delivered'
            and sent.alert_key = delivered_open.alert_key
            and sent.route_id = delivered_open.route_id
            and sent.alert_state = 'resolved'
    )
order by alert_key
"""

# A run's alert for a failure: the rule in force and the route of alerts without owner.
RUN_RULE_SQL = """
select rule_id, rule_name, severity, runbook, unowned_route_id
from marts.dim_alert_rules
where rule_id = ?
"""

# The key of the failure's alert still unresolved (attempted open, never delivered resolved).
OPEN_RUN_ALERT_SQL = """
select max(alert_key)
from audit.alert_deliveries as attempts
where
    alert_key like ? escape '\\'
    and alert_state = 'open'
    and not exists (
        select 1 from audit.alert_deliveries as sent
        where sent.alert_key = attempts.alert_key
            and sent.alert_state = 'resolved' and sent.status = 'delivered'
    )
"""

DELIVERED_SQL = """
select count(*) from audit.alert_deliveries
where alert_key = ? and route_id = ? and alert_state = ? and status = 'delivered'
"""

LOG_SQL = "insert into audit.alert_deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


class Route(NamedTuple):
    channel: str  # webhook | email
    target: str | None  # URL or address; None: the environment's (TBM_ALERT_WEBHOOK_URL)


def read_routes(org: Path) -> dict[str, Route]:
    """The organisation's routes by id (alert_routes.csv, validated before every run). Read from
    the folder, not from the warehouse: a target may hold a token, and the warehouse keeps only
    route ids."""
    path = org / "alert_routes.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {
            row["route_id"]: Route(row["channel"], row["target"] or None)
            for row in csv.DictReader(handle)
        }


@dataclass
class DeliveryReport:
    """What a notifier pass did, for the run summary."""

    open_alerts: int = 0
    delivered: int = 0
    failed: int = 0
    not_configured: int = 0
    lines: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, int | str]:
        return {
            "open_alerts": self.open_alerts,
            "delivered": self.delivered,
            "failed": self.failed,
            "not_configured": self.not_configured,
            "problems": "\n".join(self.lines) or "none",
        }


def deliver_after_publication(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    op: OperationSettings,
    routes: dict[str, Route],
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send the open alerts not yet delivered and the resolutions due; log each attempt."""
    ensure_audit_schema(con)
    report = DeliveryReport()
    ((report.open_alerts,),) = con.execute(
        "select count(*) from marts.fct_alert_events where alert_state = 'open'"
    ).fetchall()
    cursor = con.execute(DUE_OPEN_SQL)
    names = [d[0] for d in cursor.description]
    due = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    due += [
        {**json.loads(alert_json), "alert_state": "resolved"}
        for (alert_json,) in con.execute(DUE_RESOLVED_SQL).fetchall()
    ]
    _send_all(con, run_id, op, routes, due, report, sleep)
    return report


def deliver_run_failures(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    op: OperationSettings,
    routes: dict[str, Route],
    failures: list[tuple[str, str, str]],
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Raise an alert per failure of a run (RULE, SCOPE, MESSAGE: a failed blocking gate, a
    failed step) unless the same failure's alert is still open."""
    ensure_audit_schema(con)
    report = DeliveryReport()
    due = []
    for rule_id, scope, message in failures:
        rows = con.execute(RUN_RULE_SQL, [rule_id]).fetchall()
        if not rows or rows[0][2] == "off":
            continue
        _, rule_name, severity, runbook, route_id = rows[0]
        scope_type = "gate" if rule_id != "run_failed" else "step"
        prefix = f"{rule_id}:{scope_type}:{scope}:"
        ((key,),) = con.execute(OPEN_RUN_ALERT_SQL, [_like_prefix(prefix)]).fetchall()
        due.append(
            {
                "alert_key": key or prefix + run_id,
                "rule_id": rule_id,
                "rule_name": rule_name,
                "severity": severity,
                "alert_state": "open",
                "scope_type": scope_type,
                "scope_id": scope,
                "observed_value": message,
                "threshold_value": None,
                "cost_impact_reporting": None,
                "reporting_currency": None,
                "period_grain": "run",
                "first_seen_period": None,
                "last_seen_period": None,
                "owner": None,
                "runbook": runbook,
                "route_id": route_id,
            }
        )
    report.open_alerts = len(due)
    _send_all(con, run_id, op, routes, due, report, sleep)
    return report


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _send_all(con, run_id, op, routes, due, report, sleep) -> None:
    for row in due:
        alert = json.loads(json.dumps(row, default=str))  # decimals and dates as text
        route_id = alert["route_id"]
        if route_id is None:
            report.lines.append(f"{alert['alert_key']}: no alert route matches; not sent")
            continue
        ((already,),) = con.execute(
            DELIVERED_SQL, [alert["alert_key"], route_id, alert["alert_state"]]
        ).fetchall()
        if already:  # the same state on the same route is never sent twice
            continue
        channel, target = routes.get(route_id, Route("webhook", None))
        status, attempts, error = deliver(op, channel, target, alert, sleep)
        con.execute(
            LOG_SQL,
            [
                datetime.now(UTC).replace(tzinfo=None),
                run_id,
                alert["alert_key"],
                alert["alert_state"],
                route_id,
                channel,
                status,
                attempts,
                error,
                json.dumps(alert),
            ],
        )
        if status == "delivered":
            report.delivered += 1
        elif status == "not_configured":
            report.not_configured += 1
            report.lines.append(f"{alert['alert_key']} ({route_id}): {error}")
        else:
            report.failed += 1
            report.lines.append(
                f"{alert['alert_key']} ({route_id}): {error} after {attempts} attempt(s); "
                "retried at the next run"
            )


def deliver(op, channel, target, alert, sleep=time.sleep) -> tuple[str, int, str | None]:
    """(status, attempts, error) of sending ALERT: delivered | failed | not_configured."""
    text = message_text(alert)
    for attempt in range(1, op.delivery_attempts + 1):
        try:
            if channel == "email":
                send_email(op, target or "", message_subject(alert), text)
            else:
                post_webhook(target or op.webhook_url, {"text": text, "alert": alert})
            return "delivered", attempt, None
        except NotConfigured as exc:
            return "not_configured", attempt, str(exc)
        except DeliveryError as exc:
            error = str(exc)
            if attempt < op.delivery_attempts:
                sleep(op.delivery_backoff_seconds * 2 ** (attempt - 1))
    return "failed", op.delivery_attempts, error


def message_subject(alert: dict) -> str:
    return (
        f"[tbm {alert['severity']}] {alert['alert_state']}: {alert['rule_name']} - "
        f"{alert['scope_type']} {alert['scope_id']}"
    )


def message_text(alert: dict) -> str:
    """The message in words: rule, scope, value, threshold, periods, cost, owner, runbook."""
    lines = [message_subject(alert)]
    if alert["threshold_value"] is not None:
        lines.append(
            f"value {_number(alert['observed_value'])}, threshold "
            f"{_number(alert['threshold_value'])}"
        )
    else:
        lines.append(f"value: {alert['observed_value']}")
    if alert["first_seen_period"] is not None:
        lines.append(
            f"{alert['period_grain']}s {alert['first_seen_period']} to {alert['last_seen_period']}"
        )
    if alert["cost_impact_reporting"] is not None:
        lines.append(
            f"cost impact {_number(alert['cost_impact_reporting'], 2)} "
            f"{alert['reporting_currency']}"
        )
    if alert["owner"]:
        lines.append(f"owner {alert['owner']}")
    lines.append(f"runbook {alert['runbook']}")
    lines.append(f"alert {alert['alert_key']}")
    return "\n".join(lines)


def _number(value, places: int = 4) -> str:
    return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-places)):,}"

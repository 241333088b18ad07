"""Unit economics lines of the end-of-run summary: the costliest services, the practice's metrics
that miss their targets, and cost anomalies.

`unit_cost_lines(con)` reads the working warehouse's economics marts (`marts.fct_unit_costs`,
`marts.fct_tbm_metrics_monthly`, `marts.fct_cost_anomalies`) and returns the lines to print; it
prints nothing itself. The summary calls it with its read-only connection:

    for line in unit_cost_lines(con):
        click.echo(line)

A warehouse without the marts (a failed or older build) gives no lines.
"""

from __future__ import annotations

import duckdb

from orchestration.commands.formatting import money, unit
from orchestration.warehouse import table_exists

TOP_SERVICES = 5
TOP_ANOMALIES = 5
TOP_MISSED_TARGETS = 8


def _top_services(con: duckdb.DuckDBPyConnection) -> list[str]:
    # the newest month in which services have both allocated cost and request telemetry
    month = con.execute(
        "select max(billing_month) from marts.fct_unit_costs "
        "where has_allocated_cost and request_count is not null"
    ).fetchone()[0]
    if month is None:
        return []
    rows = con.execute(
        "select service_id, reporting_currency, effective_cost_reporting, "
        "cost_per_request_reporting, cost_per_request_null_reason, "
        "cost_per_active_user_reporting, cost_per_active_user_null_reason "
        "from marts.fct_unit_costs where billing_month = ? "
        "and effective_cost_reporting is not null "
        "order by effective_cost_reporting desc, service_id limit ?",
        [month, TOP_SERVICES],
    ).fetchall()
    if not rows:
        return []
    ccy = rows[0][1]
    lines = [
        f"Unit costs, {str(month)[:7]} (marts.fct_unit_costs: fully allocated effective cost "
        f"in {ccy}; the {len(rows)} most expensive services):",
        f"  {'service':<20}{'cost':>14}{'per 1k requests':>17}{'per active user':>17}",
    ]
    for service, _, cost, per_request, request_reason, per_user, user_reason in rows:
        lines.append(
            f"  {service:<20}{money(cost):>14}"
            f"{unit(per_request, 1000) if per_request is not None else request_reason:>17}"
            f"{unit(per_user) if per_user is not None else user_reason:>17}"
        )
    return lines


def _missed_targets(con: duckdb.DuckDBPyConnection) -> list[str]:
    month = con.execute(
        "select max(billing_month) from marts.fct_tbm_metrics_monthly "
        "where is_target_met is not null"
    ).fetchone()[0]
    if month is None:
        return []
    judged, missed = con.execute(
        "select count(*), count(*) filter (where not is_target_met) "
        "from marts.fct_tbm_metrics_monthly where billing_month = ? and is_target_met is not null",
        [month],
    ).fetchone()
    head = (
        f"Metrics, {str(month)[:7]} (marts.fct_tbm_metrics_monthly, docs/metrics.md): "
        f"{judged - missed} of {judged} with a target meet it"
    )
    if not missed:
        return [head]
    rows = con.execute(
        "select metric_id, metric_name, scope_type, scope_id, metric_value, metric_unit, "
        "target_direction, target_value from marts.fct_tbm_metrics_monthly "
        "where billing_month = ? and not is_target_met "
        "order by cast(substr(metric_id, 2) as integer), scope_type, scope_id limit ?",
        [month, TOP_MISSED_TARGETS],
    ).fetchall()
    shown = f"the first {len(rows)}" if missed > len(rows) else "all"
    lines = [f"{head}; {missed} miss it, {shown}:"]
    for metric_id, name, scope_type, scope_id, value, metric_unit, direction, target in rows:
        bound = ("|x| <=" if metric_id == "M3" else "<=") if direction == "max" else ">="
        lines.append(
            f"  {metric_id:<4}{name:<32}{scope_type + ' ' + scope_id:<40}"
            f"{value:>12.2f} {metric_unit} (target {bound} {target.normalize():f})"
        )
    return lines


def _anomalies(con: duckdb.DuckDBPyConnection) -> list[str]:
    (count,) = con.execute("select count(*) from marts.fct_cost_anomalies").fetchone()
    if not count:
        return [
            "Cost anomalies (marts.fct_cost_anomalies, daily direct cost per service): none found"
        ]
    rows = con.execute(
        "select cost_date, service_id, anomaly_direction, effective_cost_reporting, "
        "expected_cost_reporting, cost_ratio, robust_z_score, reporting_currency "
        "from marts.fct_cost_anomalies "
        "order by abs(excess_cost_reporting) desc, cost_date, service_id limit ?",
        [TOP_ANOMALIES],
    ).fetchall()
    shown = f"the {len(rows)} largest" if count > len(rows) else "all"
    lines = [
        f"Cost anomalies (marts.fct_cost_anomalies, daily direct cost per service): {count} "
        f"found, {shown}:",
        f"  {'day':<12}{'service':<20}{'':<7}{'cost':>12}{'expected':>12}{'ratio':>8}{'z':>9}",
    ]
    for day, service, direction, cost, expected, ratio, z, _ in rows:
        lines.append(
            f"  {day!s:<12}{service:<20}{direction:<7}{money(cost):>12}"
            f"{money(expected):>12}{f'{ratio:.2f}x':>8}{z:>9.1f}"
        )
    return lines


def unit_cost_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The summary lines: the five costliest services of the newest month with their cost per
    request (shown per 1,000 requests) and per active user (user-month), the metrics of the
    newest judged month that miss their targets (the first eight), then the cost anomalies
    found (the five largest). Reads the marts of the warehouse `con` is connected to; returns
    [] when they are not built."""
    lines: list[str] = []
    if table_exists(con, "marts", "fct_unit_costs"):
        lines += _top_services(con)
    if table_exists(con, "marts", "fct_tbm_metrics_monthly"):
        if lines:
            lines.append("")
        lines += _missed_targets(con)
    if table_exists(con, "marts", "fct_cost_anomalies"):
        if lines:
            lines.append("")
        lines += _anomalies(con)
    return lines

"""The end-of-run summary: rows per extract, cost per month, unallocated share, every gate.

It reads the published marts and quality tables of the working warehouse and formats them: every
split, classification and total it prints is a column of a mart (e.g. the direct and shared
parts of each service in marts.fct_allocated_costs_by_service_monthly) or a plain sum of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click
import duckdb

from orchestration.commands.formatting import money, pct
from orchestration.commands.summary_economics import unit_cost_lines
from orchestration.settings import Settings
from orchestration.warehouse import table_exists

DBT_STEP = "tbm_dbt_models"
PUBLISH_KEY = ("published", "bi")
ALERTS_KEY = ("alerts", "delivered")


@dataclass
class Check:
    name: str
    asset: str
    passed: bool
    blocking: bool
    failures: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    run_id: str
    seconds: float
    gates: list[Check]
    dbt_tests_passed: int
    dbt_tests_failed: list[str]
    failed_steps: list[str]
    published: bool
    # why nothing was built: the warehouse holds no billing row (load.no_billing_verdict)
    no_billing: str | None = None
    # what the notifier did after the publication (orchestration/defs/alerts/assets.py)
    alerts: dict[str, object] | None = None

    @property
    def gate_failed(self) -> bool:
        return any(not g.passed and g.blocking for g in self.gates)

    @property
    def dbt_failed(self) -> bool:
        return DBT_STEP in self.failed_steps

    @classmethod
    def from_result(cls, result, settings: Settings, seconds: float) -> RunOutcome:
        import dagster as dg

        gates, dbt_passed, dbt_failed = [], 0, []
        for ev in result.get_asset_check_evaluations():
            asset = "/".join(ev.asset_key.path)
            if ev.check_name.startswith("gx_"):
                text = ev.metadata.get("failures")
                failures = [] if text is None or text.value == "none" else text.value.splitlines()
                blocking = ev.severity == dg.AssetCheckSeverity.ERROR
                gates.append(Check(ev.check_name[3:], asset, ev.passed, blocking, failures))
            elif ev.passed:
                dbt_passed += 1
            else:
                dbt_failed.append(f"{asset}: {ev.check_name}")
        failed_steps = sorted(
            {e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}
        )
        materialized = {
            tuple(e.asset_key.path): e.materialization.metadata
            for e in result.get_asset_materialization_events()
        }
        alerts = materialized.get(ALERTS_KEY)
        return cls(
            result.run_id,
            seconds,
            gates,
            dbt_passed,
            dbt_failed,
            failed_steps,
            PUBLISH_KEY in materialized,
            alerts={k: v.value for k, v in alerts.items()} if alerts is not None else None,
        )


def _late_files(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Billing files of this run for closed months (quality.qa_billing_files_for_closed_months)."""
    if not table_exists(con, "quality", "qa_billing_files_for_closed_months"):
        return
    rows = con.execute(
        "select file_path, billing_month, closed_by, next_open_month, billing_currency, "
        "charge_count, billed_cost_billing from quality.qa_billing_files_for_closed_months "
        "where run_id = ? order by file_path, billing_month, billing_currency",
        [run_id],
    ).fetchall()
    if not rows:
        return
    click.echo(
        "  files for closed months: loaded into raw; the closed figures stay frozen and what "
        "they change is booked as adjustments (marts.*_with_adjustments, *_restatements):"
    )
    for path, month, by, next_open, currency, count, billed in rows:
        booked = f"{next_open:%Y-%m}" if next_open else "the next open month"
        click.echo(
            f"    {path}: {month:%Y-%m} is closed (by {by}); {count:,} charges, "
            f"{money(billed)} {currency}; adjustments booked in {booked}"
        )


def print_summary(outcome: RunOutcome, settings: Settings) -> None:
    echo = click.echo
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        echo("")
        echo(f"Run {outcome.run_id} finished in {outcome.seconds:.1f}s")
        echo("")
        echo("Landing files loaded by this run (rows read = loaded + quarantined):")
        echo(f"  {'extract':<20}{'files':>7}{'read':>12}{'loaded':>12}{'quarantined':>13}")
        rows = con.execute(
            "select extract_kind, count(*), sum(rows_read), sum(rows_loaded), "
            "sum(rows_quarantined), count(*) filter (where status = 'duplicate'), "
            "count(*) filter (where status = 'rejected') "
            "from raw.load_log where run_id = ? group by 1 order by 1",
            [outcome.run_id],
        ).fetchall()
        if not rows:
            echo("  (no new files: everything in the landing folder was loaded before)")
        for kind, files, read, loaded, quarantined, dup, rejected in rows:
            notes = ", ".join(
                n
                for n in (
                    f"{dup} duplicate" if dup else "",
                    f"{rejected} rejected" if rejected else "",
                )
                if n
            )
            echo(
                f"  {kind:<20}{files:>7}{read:>12,}{loaded:>12,}{quarantined:>13,}"
                + (f"  ({notes})" if notes else "")
            )
        _late_files(con, outcome.run_id)
        if table_exists(con, "quality", "qa_billing_monthly"):
            ccy = settings.reporting_currency
            echo("")
            echo(f"Cost per billing month (all billing, converted to {ccy}):")
            echo(
                f"  {'month':<10}{'billed':>18}{'effective':>18}{'unallocated':>13}"
                f"{'ccy errors':>12}"
            )
            for month, billed, effective, share, errors in con.execute(
                "select q.billing_month, sum(f.billed_cost_reporting), "
                "sum(f.effective_cost_reporting), any_value(q.unallocated_share), "
                "any_value(q.currency_error_count) "
                "from quality.qa_billing_monthly as q "
                "left join marts.fct_cost_by_service_monthly as f "
                "on f.billing_month = q.billing_month group by 1 order by 1"
            ).fetchall():
                echo(
                    f"  {str(month)[:7]:<10}{money(billed):>18}{money(effective):>18}"
                    f"{pct(share):>13}{errors:>12}"
                )
        if all(
            table_exists(con, schema, table)
            for schema, table in (
                ("marts", "fct_allocated_costs"),
                ("marts", "fct_allocated_costs_by_service_monthly"),
                ("quality", "qa_billing_monthly"),
            )
        ):
            ccy = settings.reporting_currency
            # the billing months are those with billing charges (has_billed_charges, the months
            # the allocation gate checks in qa_billing_monthly); later months only hold the
            # scheduled amortization of prepaid invoices
            echo("")
            echo(
                f"Allocation (marts.fct_allocated_costs: cloud + SaaS/vendor invoices, "
                f"effective cost in {ccy}, billing months):"
            )
            echo(f"  {'month':<10}{'allocated':>16}{'unallocated':>16}{'share':>9}  reasons")
            for month, allocated, unallocated, share, reasons in con.execute(
                "select q.billing_month, q.allocated_effective_cost_reporting, "
                "q.unallocated_effective_cost_reporting, q.unallocated_share, "
                "(select string_agg(r.unallocated_reason || ' ' || "
                "  cast(round(r.cost, 2) as varchar), ', ' order by r.cost desc) "
                " from (select unallocated_reason, sum(effective_cost_reporting) as cost "
                "       from marts.fct_allocated_costs as f "
                "       where f.billing_month = q.billing_month "
                "         and f.unallocated_reason is not null group by 1) as r) "
                "from quality.qa_billing_monthly as q order by 1"
            ).fetchall():
                echo(
                    f"  {str(month)[:7]:<10}{money(allocated):>16}{money(unallocated):>16}"
                    f"{pct(share):>9}  {reasons or '-'}"
                )
            echo("  top services (direct + shared parts):")
            for service, unit, direct, shared, total in con.execute(
                "select service_id, "
                "string_agg(distinct business_unit, ' / ' order by business_unit), "
                "sum(direct_effective_cost_reporting), sum(shared_effective_cost_reporting), "
                "sum(effective_cost_reporting) "
                "from marts.fct_allocated_costs_by_service_monthly "
                "where has_billed_charges and not is_unallocated_bucket "
                "group by 1 order by 5 desc nulls last limit 5"
            ).fetchall():
                echo(
                    f"    {service:<18}{money(total):>14}   direct {money(direct)}, "
                    f"shared {money(shared)}   ({unit or '-'})"
                )
            echo("  business units (showback, marts.fct_showback_monthly):")
            for unit, centers, total, idle in con.execute(
                "select business_unit, count(distinct cost_center), "
                "sum(effective_cost_reporting), sum(idle_effective_cost_reporting) "
                "from marts.fct_showback_monthly where billing_month in "
                "(select billing_month from marts.fct_allocated_costs_by_service_monthly "
                "where has_billed_charges) "
                "group by 1 order by 3 desc nulls last"
            ).fetchall():
                note = f", idle {money(idle)}" if idle else ""
                plural = "s" if centers != 1 else ""
                echo(f"    {unit:<28}{money(total):>14}   ({centers} cost center{plural}{note})")
            later = con.execute(
                "select count(distinct billing_month), sum(effective_cost_reporting), "
                "sum(unallocated_effective_cost_reporting) "
                "from marts.fct_allocated_costs_by_service_monthly where not has_billed_charges"
            ).fetchone()
            if later and later[0]:
                echo(
                    f"  later months: {later[0]} months of prepaid amortization scheduled, "
                    f"{money(later[1])}, of which {money(later[2])} unallocated until their "
                    "driver data arrives (no_driver_data)"
                )
        economics = unit_cost_lines(con)
        if economics:
            echo("")
            for line in economics:
                echo(line)
    finally:
        con.close()
    echo("")
    echo("Gates (Great Expectations suites in expectations/):")
    for gate in outcome.gates:
        status = "pass" if gate.passed else ("FAIL" if gate.blocking else "warn")
        echo(f"  {status:<5} {gate.name:<22} on {gate.asset}")
        for failure in gate.failures[:20]:
            echo(f"          {failure}")
    if not outcome.gates:
        echo(
            "  (not run: no billing data, nothing was built)"
            if outcome.no_billing
            else "  (not run: the build stopped before the gates)"
        )
    echo(
        f"  dbt data tests: {outcome.dbt_tests_passed} passed, "
        f"{len(outcome.dbt_tests_failed)} failed"
    )
    for name in outcome.dbt_tests_failed[:20]:
        echo(f"          failed: {name}")
    if outcome.failed_steps:
        echo(f"  failed steps: {', '.join(outcome.failed_steps)}")
    echo("")
    if outcome.published:
        echo(f"Published for BI (read-only): {settings.published}")
        if outcome.alerts is not None:
            print_alert_delivery(outcome.alerts)
    elif outcome.no_billing:
        echo(outcome.no_billing)
        echo(f"NOT published: nothing was built; {settings.published} is as it was.")
    else:
        echo(f"NOT published: {settings.published} still holds the previous good run.")
        echo(f"  The built models stay inspectable in {settings.warehouse}.")


def print_alert_delivery(alerts: dict[str, object]) -> None:
    """The notifier's line: open alerts, what was sent, what could not be (`tbm alerts`)."""
    click.echo(
        f"Alerts: {alerts['open_alerts']} open (marts.fct_alert_events, `tbm alerts`); "
        f"sent {alerts['delivered']}, failed {alerts['failed']} (retried at the next run), "
        f"not configured {alerts['not_configured']}"
    )
    if alerts["problems"] != "none":
        for line in str(alerts["problems"]).splitlines()[:10]:
            click.echo(f"  {line}")

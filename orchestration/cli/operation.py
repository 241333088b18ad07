"""`tbm alerts` (the published alerts) and `tbm serve` (Dagster's UI, daemon, schedule and
sensors on loopback)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from orchestration.cli.options import published_option, run_options, warehouse_option
from orchestration.commands.run import EXIT_ERROR, EXIT_USAGE
from orchestration.settings import SETTINGS, Settings, published_beside

ALERTS_SQL = """
select
    alert_state, severity, rule_id, scope_type, scope_id, observed_value, threshold_value,
    first_seen_period, last_seen_period, route_id, runbook
from marts.fct_alert_events
where alert_state = 'open' or not ?
order by
    alert_state, case severity when 'page' then 1 when 'ticket' then 2 else 3 end,
    rule_id, scope_id, first_seen_period
"""


@click.command("alerts")
@click.option("--open", "open_only", is_flag=True, help="only the open alerts")
@warehouse_option
@published_option
def alerts(open_only: bool, warehouse: Path, published: Path | None) -> None:
    """List the alerts of the published file: state, severity, rule, scope, value, threshold,
    the periods they held, route and runbook."""
    import duckdb

    from orchestration.commands.formatting import unit

    published = published or published_beside(warehouse)
    if not published.exists():
        click.echo(f"error: {published} does not exist: run `tbm run` first", err=True)
        sys.exit(EXIT_ERROR)
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(ALERTS_SQL, [open_only]).fetchall()
    finally:
        con.close()
    click.echo(f"{len(rows)} {'open ' if open_only else ''}alert(s) in {published}")
    for (
        state,
        severity,
        rule,
        scope_type,
        scope,
        value,
        threshold,
        first,
        last,
        route,
        book,
    ) in rows:
        click.echo(
            f"  {state:<8} {severity:<6} {rule:<20} {scope_type} {scope}: "
            f"{unit(value)} (threshold {unit(threshold)}), "
            f"{first} to {last}, route {route or '-'}, runbook {book}"
        )


@click.command("serve")
@run_options
@click.option("--port", default=3000, show_default=True, type=int, help="port of the Dagster UI")
def serve(
    landing: Path, org: Path, warehouse: Path, published: Path, engine: str, port: int
) -> None:
    """Run Dagster (UI, daemon: the landing sensor, the daily schedule, the run-failure sensor)
    on 127.0.0.1, with its state in <warehouse folder>/dagster. Unattended runs judge freshness
    against the clock (TBM_FRESHNESS_AS_OF=now unless set)."""
    freshness = SETTINGS["freshness_as_of"][0]
    os.environ.setdefault(freshness, "now")
    try:
        settings = Settings.from_env(
            landing=landing, org=org, warehouse=warehouse, published=published, engine=engine
        )
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    home = dagster_home(settings)
    settings.export()
    os.environ["DAGSTER_HOME"] = str(home)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1"]
    command += ["-p", str(port)]
    click.echo(f"Dagster on http://127.0.0.1:{port} (state in {home}); Ctrl-C stops it")
    os.execv(command[0], command)


def dagster_home(settings: Settings) -> Path:
    """A persistent DAGSTER_HOME beside the warehouse, with its instance settings."""
    home = (settings.warehouse.parent / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home

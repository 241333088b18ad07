"""`tbm dashboards serve`: the three dashboards (executive, on-call, debug) in Apache Superset,
over the published file (docs/dashboards.md).

Exits 1 when the Superset environment is missing, nothing is published or the set-up fails, 2 on
a bad flag; otherwise it serves until stopped (Ctrl-C).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from orchestration.cli.options import published_option, warehouse_option
from orchestration.commands.run import EXIT_ERROR
from orchestration.settings import published_beside


@click.group("dashboards")
def dashboards() -> None:
    """The practice's dashboards in Apache Superset (executive, on-call, debug)."""


@dashboards.command("serve")
@click.option("--port", default=8088, show_default=True, type=click.IntRange(1, 65535))
@warehouse_option
@published_option
def serve(port: int, warehouse: Path, published: Path | None) -> None:
    """Import the dashboards and serve them on http://127.0.0.1:PORT (user admin; the password
    is in <warehouse folder>/superset/admin_password). Reads the published file read-only: a
    new publication shows at the next query."""
    from orchestration.commands.dashboards import DashboardsError, prepare

    warehouse = warehouse if warehouse.is_absolute() else Path.cwd() / warehouse
    published = published or published_beside(warehouse)
    home = warehouse.parent / "superset"
    click.echo(f"Setting up Superset in {home} for {published} ...")
    try:
        served = prepare(published, home, port)
    except DashboardsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(
        f"Serving the dashboards on http://127.0.0.1:{port}/dashboard/list/ "
        f"(user admin, password in {served.password_file}); Ctrl-C stops"
    )
    sys.stdout.flush()
    os.execve(served.command[0], served.command, served.env)

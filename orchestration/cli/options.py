"""Options that several `tbm` commands share, each with its setting's variable and default."""

from __future__ import annotations

from pathlib import Path

import click

from orchestration.settings import ENGINES, SETTINGS


def path_option(name: str, help_extra: str = ""):
    var, default, help_text = SETTINGS[name]
    return click.option(
        f"--{name}",
        envvar=var,
        default=default or None,
        show_default=bool(default),
        type=click.Path(path_type=Path),
        help=f"{help_text} [env {var}]{help_extra}",
    )


landing_option = path_option("landing")
org_option = click.option(
    "--org",
    envvar=SETTINGS["org"][0],
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help=f"{SETTINGS['org'][2]} [env {SETTINGS['org'][0]}; default: {SETTINGS['org'][1]}, the "
    "demo company]",
)
engine_option = click.option(
    "--engine",
    envvar=SETTINGS["engine"][0],
    type=click.Choice(ENGINES),
    default=SETTINGS["engine"][1],
    show_default=True,
    help=f"{SETTINGS['engine'][2]} [env {SETTINGS['engine'][0]}; dbt target: TBM_DBT_TARGET, "
    "default the engine's name, e.g. spark_standalone or spark_thrift]",
)
warehouse_option = path_option("warehouse")
published_option = path_option("published")


def run_options(command):
    """The options of a run (`tbm run`, `tbm demo`): landing, organisation, warehouse,
    publication and engine."""
    for option in reversed(
        (landing_option, org_option, warehouse_option, published_option, engine_option)
    ):
        command = option(command)
    return command


def rows_option(default: int, minimum: int, help_text: str):
    """How many billing rows the demo generator writes (over all months)."""
    return click.option(
        "--rows",
        default=default,
        show_default=True,
        type=click.IntRange(min=minimum),
        help=f"approximate number of billing rows {help_text}",
    )


def parse_month_or_exit(month: str):
    """The first day of --month (YYYY-MM), or exit 2 with the reason."""
    from orchestration.commands.focus_export import parse_month
    from orchestration.commands.run import EXIT_USAGE

    try:
        return parse_month(month)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None

"""`tbm init`, `tbm discover`: onboarding a company's own data (docs/onboarding.md).

`tbm discover` exits 0 when reported (and written with --write), 1 on an error, 2 on a usage
error (neither --landing nor --warehouse; --write without --org), 4 when the dbt build of the
onboarding models fails, 5 when a run holds the warehouse it reads, 7 when no billing row loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestration.commands.run import EXIT_OK, EXIT_USAGE
from orchestration.settings import SETTINGS


@click.command()
@click.option(
    "--org",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="the new organisation folder (it must not exist, or be empty)",
)
def init(org: Path) -> None:
    """Write a valid, empty organisation folder: each file's header, and a README with its
    schema and examples."""
    from orchestration.commands.run import EXIT_USAGE
    from orchestration.org.template import write_empty_folder

    try:
        written = write_empty_folder(org)
    except FileExistsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Wrote the organisation folder {org}:")
    for path in written:
        click.echo(f"  {path.name}")
    click.echo(
        f"Next: tbm discover --landing <your exports> --org {org} --write, review the drafts, "
        f"then tbm run --landing <your exports> --org {org}"
    )


@click.command("discover")
@click.option(
    "--landing",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="landing folder whose billing/ (and fx_rates/) files are read",
)
@click.option(
    "--org",
    envvar=SETTINGS["org"][0],
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help=f"organisation folder --write drafts services.csv and mapping_rules.csv into "
    f"[env {SETTINGS['org'][0]}; no default: --write needs it]",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="a warehouse `tbm run` loaded: its billing is read too (read only, never changed)",
)
@click.option("--write", is_flag=True, help="add the drafted services and rules to --org")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="also write the report as a self-contained HTML page (inline SVG charts)",
)
def discover(
    landing: Path | None,
    org: Path | None,
    warehouse: Path | None,
    write: bool,
    html_file: Path | None,
) -> None:
    """Report the billing's cost by provider, account and service, its tag keys (after alias
    harmonization) with the share of cost each covers, the keys that name an owner; with
    --write, draft services and mapping rules for review into the organisation folder.

    The billing is loaded into a scratch warehouse of discover's own: nothing else changes."""
    from orchestration.commands.discover import DiscoverError
    from orchestration.commands.discover import discover as run_discover
    from orchestration.commands.discover_report import render_html, text_lines
    from orchestration.settings import Settings

    if landing is None and warehouse is None:
        click.echo(
            "error: give --landing DIR (billing files) or --warehouse FILE (loaded billing)",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    if landing is not None and not landing.is_dir():
        click.echo(f"error: landing folder {landing} does not exist", err=True)
        sys.exit(EXIT_USAGE)
    if warehouse is not None and not warehouse.is_file():
        click.echo(f"error: warehouse {warehouse} does not exist", err=True)
        sys.exit(EXIT_USAGE)
    if write and org is None:
        click.echo(
            "error: --write needs --org DIR (or TBM_ORG), the organisation folder to draft into",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    try:
        settings = Settings.from_env(landing=landing, org=org)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo("Discovering billing (scratch warehouse; dbt builds the onboarding models) ...")
    try:
        discovery = run_discover(
            settings,
            settings.landing if landing is not None else None,
            warehouse.resolve() if warehouse is not None else None,
            settings.org if write else None,
        )
    except DiscoverError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    for line in text_lines(discovery):
        click.echo(line)
    if html_file is not None:
        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(render_html(discovery), encoding="utf-8")
        click.echo(f"HTML report: {html_file}")
    sys.exit(EXIT_OK)

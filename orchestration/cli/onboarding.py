"""`tbm init`: onboarding a company's own data."""

from __future__ import annotations

import sys
from pathlib import Path

import click


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

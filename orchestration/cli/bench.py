"""`tbm bench`: the benchmark command (orchestration/bench/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestration.cli.options import rows_option


@click.command()
@rows_option(200_000, 1000, "to generate (over all months)")
@click.option(
    "--months",
    default=1,
    show_default=True,
    type=click.IntRange(1, 23),
    help="number of consecutive billing months",
)
@click.option(
    "--out",
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help="folder for bench.json and bench.md (default: print only)",
)
@click.option(
    "--workdir",
    default="data/bench",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="scratch folder for the landing files and the warehouse (emptied first)",
)
@click.option(
    "--add-month",
    is_flag=True,
    help="then land one more month (rows / months rows) and time the incremental run that "
    "loads it; the floor then checks every month",
)
@click.option("--seed", default=7, show_default=True, type=int, help="generator seed")
@click.option(
    "--gzip",
    "gzip_billing",
    is_flag=True,
    help="deliver the plain-CSV billing files as csv.gz (50M rows are 27 GB of plain CSV)",
)
@click.option(
    "--no-floors",
    is_flag=True,
    help="skip the floor and the copy floor (no ratios, no check of the totals): for cases whose "
    "floors need more disk than the machine has",
)
def bench(**options) -> None:
    """Benchmark: generate, run the whole graph (load, dbt build, gates, publish), time each
    stage and the peak memory, and check the totals against a hand-written DuckDB floor."""
    from orchestration.bench.run import run_bench

    sys.exit(run_bench(**options))

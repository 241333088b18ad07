"""`tbm`: the command line. A thin layer over the Dagster graph in `orchestration/definitions.py`
and the month-end commands in `orchestration/commands/`; one module per command group.

Exit codes: orchestration/commands/run.py (run, demo, bench) and orchestration/cli/month_end.py
(close, reopen, report, export-focus); README lists them all."""

from __future__ import annotations

import click

from orchestration.cli import bench, dashboards, month_end, onboarding, operation, pipeline


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """tbm-warehouse: load cloud billing, invoices and telemetry; model, gate and publish them."""


for command in (
    onboarding.init,
    pipeline.generate,
    pipeline.run,
    pipeline.demo,
    bench.bench,
    month_end.export_focus,
    month_end.close,
    month_end.reopen,
    month_end.report,
    onboarding.discover,
    operation.alerts,
    operation.serve,
    dashboards.dashboards,
):
    main.add_command(command)

"""`tbm`: the command line. A thin layer over the Dagster graph in `orchestration/definitions.py`
and the month-end commands in `orchestration/commands/`; one module per command group.

Exit codes (stable; scripts rely on them; orchestration/commands/run.py):
  0  success: every blocking gate passed and the BI file was published
  1  unexpected error (a message says what failed)
  2  usage error (a bad flag or value)
  3  a blocking gate failed: nothing was published, the built models stay inspectable
  4  the dbt build failed (a model error or a failing dbt data test): nothing was published
  5  another run holds the warehouse

The month-end commands' codes are in orchestration/cli/month_end.py.
"""

from __future__ import annotations

import click

from orchestration.cli import bench, month_end, pipeline


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """tbm-warehouse: load cloud billing, invoices and telemetry; model, gate and publish them."""


for command in (
    pipeline.generate,
    pipeline.run,
    pipeline.demo,
    bench.bench,
    month_end.export_focus,
    month_end.close,
    month_end.reopen,
    month_end.report,
):
    main.add_command(command)

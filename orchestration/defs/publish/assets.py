"""Publication asset: runs only when every blocking gate upstream of it passed."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.dbt.assets import tbm_dbt_models
from orchestration.pipeline.publish import PUBLISHED_SCHEMAS, publish
from orchestration.resources import SettingsResource
from orchestration.warehouse import warehouse

PUBLISHED_KEYS = [k for k in tbm_dbt_models.keys if k.path[0] in PUBLISHED_SCHEMAS]


@dg.asset(
    key=["published", "bi"],
    group_name="published",
    deps=[*PUBLISHED_KEYS, dg.AssetKey(["raw", "load_log"])],
    kinds={"duckdb"},
)
def published_bi(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """The read-only DuckDB file BI tools open: marts and quality tables of the last good run,
    swapped in atomically."""
    settings = settings.settings
    with warehouse(settings) as con:
        counts = publish(
            con, settings.published, context.run_id, settings.pause_before_swap_seconds
        )
    return dg.MaterializeResult(
        metadata={"path": str(settings.published), "tables": len(counts), **counts}
    )

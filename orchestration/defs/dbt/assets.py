"""dbt models as Dagster assets, keyed `<schema>/<model>`; dbt sources map to the raw assets.

The engine (TBM_ENGINE, `tbm run --engine`) picks the dbt target (orchestration/lib/spark.py):
on DuckDB dbt builds in the working warehouse; on Spark the same asset first exports the
sources from DuckDB as Parquet, builds on Spark, then brings the marts and quality tables back
into the DuckDB warehouse, where the gates and publication read them.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.lib.dbt_project import PROJECT_DIR, ensure_manifest
from orchestration.lib.settings import Settings
from orchestration.lib.spark import (
    CONTROL_PLANE_TAG,
    dbt_target,
    exchanged_sources,
    export_sources,
    import_models,
    imported_models,
)
from orchestration.lib.warehouse import warehouse

DBT = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=dbt_target())
ensure_manifest()


class TbmTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TbmTranslator())
def tbm_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: seeds, staging, intermediate, marts and quality models with their data tests."""
    settings = Settings.from_env()
    args = ["build"]
    if os.environ.get("TBM_DBT_EXCLUDE_TESTS") == "1":
        # the models only, no data or unit tests (tests/test_spark_parity.py on two cores)
        args += ["--exclude-resource-type", "test", "unit_test"]
    if settings.engine != "spark":
        yield from dbt.cli(args, context=context).stream()
        return
    manifest = Path(dbt_project.manifest_path)
    exchange = settings.spark_dir / "exchange"
    with warehouse(settings) as con:
        exported = export_sources(con, exchange, exchanged_sources(manifest))
    context.log.info(f"exported {len(exported)} source tables to {exchange}: {exported}")
    yield from dbt.cli(args, context=context).stream()
    with warehouse(settings) as con:
        imported = import_models(con, settings.spark_dir, imported_models(manifest))
    context.log.info(f"imported {len(imported)} Spark tables into {settings.warehouse}")
    # the gate history view reads DuckDB's own audit table: built by the DuckDB target
    result = subprocess.run(
        [
            *(DBT, "run", "--quiet", "--target", "duckdb", "--select", f"tag:{CONTROL_PLANE_TAG}"),
            *("--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)),
            # its own artifacts folder: target/ holds the manifest Dagster and other runs read
            *("--target-path", str(PROJECT_DIR / "target" / "control_plane")),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt run of the control-plane models failed:\n{result.stdout}")


# The dbt of this environment, whether or not its bin folder is on PATH.
dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT, target=dbt_target())

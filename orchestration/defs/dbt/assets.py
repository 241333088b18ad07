"""dbt models as Dagster assets, keyed `<schema>/<model>`; dbt sources map to the raw assets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.lib.dbt_project import PROJECT_DIR, ensure_manifest

# Sources that are written by another raw asset than their own table name suggests.
SOURCE_TO_RAW_ASSET = {
    "fx_reference_rates": "fx_rates",
    "currency_reference": "fx_rates",
    "quarantine": "load_log",
}

dbt_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target=os.environ.get("TBM_DBT_TARGET", "duckdb"),
)
ensure_manifest()


class TbmTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            table = dbt_resource_props["name"]
            return dg.AssetKey(["raw", SOURCE_TO_RAW_ASSET.get(table, table)])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TbmTranslator())
def tbm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """dbt build: seeds, staging, intermediate, marts and quality models with their data tests."""
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project)

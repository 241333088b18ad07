"""dbt models as Dagster assets, keyed `<schema>/<model>`; dbt sources map to the raw assets.

The engine (the `engine` setting, `tbm run --engine`) picks the dbt target
(orchestration/pipeline/spark.py): on DuckDB dbt builds in the working warehouse; on Spark the same
asset first exports the sources from DuckDB as Parquet, builds on Spark, then brings the marts and
quality tables back into the DuckDB warehouse, where the gates and publication read them.
"""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.org import ORG_SCHEMA_FILE, ORG_SCHEMA_TESTS, stage_for_dbt, validate
from orchestration.pipeline import gates
from orchestration.pipeline.dbt_project import (
    PROJECT_DIR,
    ensure_manifest,
    invocation_folder,
    last_build_fingerprint,
    project_fingerprint,
    prune_invocation_folders,
    record_build_fingerprint,
    run_dbt,
    seed_partial_parse,
)
from orchestration.pipeline.load import no_billing_verdict
from orchestration.pipeline.spark import (
    CONTROL_PLANE_TAG,
    closed_tables_setting,
    exchanged_sources,
    export_sources,
    import_models,
    imported_models,
)
from orchestration.resources import SettingsResource
from orchestration.settings import Settings
from orchestration.warehouse import warehouse
from orchestration.warehouse.control_tables import ensure_control_tables

DBT = str(Path(sys.executable).with_name("dbt"))

# The manifest is parsed for the settings of the process that loads the definitions (`tbm`
# exports its settings first; `dagster dev` reads the environment).
_LOAD_SETTINGS = Settings.from_env()
dbt_project = DbtProject(
    project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=_LOAD_SETTINGS.dbt_target
)
MANIFEST = ensure_manifest(_LOAD_SETTINGS)


class TbmTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # raw.* are the loader's assets; audit.gate_results is appended by the gate checks
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        if manifest["nodes"][unique_id]["original_file_path"] == ORG_SCHEMA_FILE:
            return None  # checked before the build, not in it (ORG_SCHEMA_TESTS)
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)


@dbt_assets(manifest=MANIFEST, dagster_dbt_translator=TbmTranslator())
def tbm_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, settings: SettingsResource):
    """dbt build: seeds, staging, intermediate, marts and quality models with their data tests.

    The charge-level models are incremental by billing month (macros/month_incremental.sql):
    they rebuild only the months whose inputs changed. TBM_FULL_REFRESH=1 (`tbm run
    --full-refresh`) rebuilds every month; so does a build after the project (a mapping rule,
    a seed, a model) or the reporting currency changed (dbt_project.project_fingerprint).

    dbt unit tests check model logic on fixed inputs, not the data: they run in the test
    command (tests/test_dbt_unit_tests.py), not in every production build, where they are the
    largest fixed cost (about 40% of a small build). TBM_DBT_UNIT_TESTS=1 runs them here too."""
    settings = settings.settings
    problems = validate(settings.org)  # `tbm run` checked it before loading; a sensor run did not
    if problems:
        raise dg.Failure(
            description=f"the organisation folder {settings.org} is invalid:\n"
            + "\n".join(str(p) for p in problems)
        )
    with warehouse(settings) as con:
        verdict = no_billing_verdict(con, settings.landing)
    if verdict:
        # nothing to model: no model is built, so no gate runs and nothing is published
        # (`tbm run` prints the verdict and exits 7)
        context.log.info(verdict)
        return
    args = ["build", "--exclude", ORG_SCHEMA_TESTS]
    if settings.dbt_exclude_tests:
        # the models only, no data tests either (tests/test_spark_parity.py on two cores)
        args += ["--exclude-resource-type", "unit_test", "test"]
    elif not settings.dbt_unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    fingerprint = project_fingerprint(settings)
    # dagster-dbt leaves a folder per dbt command under target/; keep the recent ones
    prune_invocation_folders(context.op_execution_context.op.name)
    stage_for_dbt(settings)  # dbt reads the organisation folder as seeds
    with warehouse(settings) as con:
        ensure_control_tables(con)  # dbt reads them as sources
        last = last_build_fingerprint(con)
    if settings.full_refresh:
        args.append("--full-refresh")
    elif last != fingerprint:
        # a mapping rule, seed, model or the reporting currency changed since the last build:
        # every month's rows change, not only the months with new data
        context.log.info(
            "the project or its settings changed since the last build "
            f"({(last or 'none')[:12]} -> {fingerprint[:12]}): rebuilding every month"
        )
        args.append("--full-refresh")
    # Great Expectations loads while dbt builds in its subprocess (gates.warm_up), when this
    # process mostly waits on dbt's output; started with the run, the import held the GIL
    # while Dagster planned the run and ran the load steps, and delayed them by as much
    gates.warm_up()
    # the build starts from the project's parse, not from a parse of its own
    target_path = invocation_folder(context.op_execution_context.op.name, context.run.run_id)
    seed_partial_parse(settings, target_path)
    if settings.engine == "spark":
        yield from _build_on_spark(context, dbt, args, settings, target_path)
    else:
        yield from dbt.cli(args, context=context, target_path=target_path).stream()
    with warehouse(settings) as con:
        record_build_fingerprint(con, fingerprint, context.run.run_id)


def _build_on_spark(
    context: AssetExecutionContext, dbt: DbtCliResource, args, settings, target_path: Path
):
    """The sources out of DuckDB as Parquet, the build on Spark, the marts and quality tables
    back into DuckDB, then the control-plane view on DuckDB (orchestration/pipeline/spark.py)."""
    exchange = settings.spark_dir / "exchange"
    with warehouse(settings) as con:
        tables = exchanged_sources(MANIFEST, con)
        exported = export_sources(con, exchange, tables)
    context.log.info(f"exported {len(exported)} source tables to {exchange}: {exported}")
    # read by the on-run-start hook of the dbt process (macros/spark_sources.sql)
    settings.export(TBM_SPARK_CLOSED_TABLES=closed_tables_setting(tables))
    yield from dbt.cli(args, context=context, target_path=target_path).stream()
    with warehouse(settings) as con:
        imported = import_models(con, settings.spark_dir, imported_models(MANIFEST))
    context.log.info(f"imported {len(imported)} Spark tables into {settings.warehouse}")
    # the gate history view reads DuckDB's own audit table: built by the DuckDB target
    result = run_dbt(
        *("run", "--select", f"tag:{CONTROL_PLANE_TAG}"),
        target="duckdb",
        target_path=PROJECT_DIR / "target" / "control_plane",
        env=settings.dbt_environment(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt run of the control-plane models failed:\n{result.stdout}")


class TbmDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without its in-process dbt adapter. For every dbt command,
    dagster-dbt also loads dbt, the profile and an adapter in the calling process (3.5 s of the
    demo's 45 s run, measured) for row counts and column metadata fetched on request; tbm fetches
    neither, and the build itself runs in dbt's own process."""

    def _initialize_dbt_core_adapter(self, args):
        return None


# The dbt of this environment, whether or not its bin folder is on PATH.
dbt_resource = TbmDbtCliResource(
    project_dir=dbt_project, dbt_executable=DBT, target=_LOAD_SETTINGS.dbt_target
)

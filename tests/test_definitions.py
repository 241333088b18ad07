"""`dagster dev` loads orchestration/definitions.py with raw, dbt, check and publish assets in one
graph, and the command line documents every flag.

Loading the definitions runs `dbt parse` when target/manifest.json is stale, so the tests that
load them are end to end; the module imports them only when such a test asks (`defs`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.org import ORG_SCHEMA_FILE

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


@pytest.mark.e2e
def test_one_graph_holds_raw_dbt_gate_and_publish_assets(defs):
    graph = defs.resolve_asset_graph()
    keys = {"/".join(k.path) for k in graph.get_all_asset_keys()}
    assert {
        "raw/billing",
        "raw/invoices",
        "raw/telemetry",
        "raw/fx_rates",
        "raw/load_log",
        "staging/stg_focus__charges",
        "intermediate/int_charges_mapped_to_services",
        "marts/fct_cost_by_service_monthly",
        "quality/qa_billing_monthly",
        "published/bi",
    } <= keys
    # the dbt staging model reads the raw billing asset: one lineage, not two islands
    parents = graph.get(dg.AssetKey(["staging", "stg_focus__charges"])).parent_keys
    assert dg.AssetKey(["raw", "billing"]) in parents
    checks = {c.name: c for c in graph.asset_check_keys}
    assert {"gx_raw_billing", "gx_currency", "gx_allocation"} <= set(checks)


@pytest.mark.e2e
def test_the_tests_of_the_organisation_check_are_no_dagster_checks(defs):
    """The organisation check applies them before the build (orchestration/org); the data tests
    of a model, those that compare it with the folder's seeds too, are checks of its asset."""
    from orchestration.defs.dbt.assets import MANIFEST

    manifest = json.loads(MANIFEST.read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    checked_before = {n["name"] for n in tests if n["original_file_path"] == ORG_SCHEMA_FILE}
    of_models = {
        n["name"]
        for n in tests
        if n["original_file_path"] != ORG_SCHEMA_FILE
        and (n.get("attached_node") or "").startswith("model.")
    }
    checks = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert len(checked_before) > 50 and not checked_before & checks
    assert of_models <= checks
    assert "relationships_int_charges_mapped_to_services_service_id__service_id__ref_services_" in (
        of_models
    )


@pytest.mark.e2e
def test_gate_checks_are_blocking_and_publication_depends_on_the_checked_assets(defs):
    graph = defs.resolve_asset_graph()
    specs = {
        spec.name: spec
        for assets_def in graph.assets_defs
        for spec in assets_def.check_specs
        if spec.name.startswith("gx_")
    }
    assert specs["gx_currency"].blocking and specs["gx_allocation"].blocking
    upstream = graph.get(dg.AssetKey(["published", "bi"])).parent_keys
    assert dg.AssetKey(["quality", "qa_billing_monthly"]) in upstream
    assert dg.AssetKey(["raw", "load_log"]) in upstream


@pytest.mark.e2e
def test_dagster_validates_the_definitions_as_dagster_dev_loads_them():
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DAGSTER_HOME": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("generate", ["--landing", "--rows", "--months", "--seed", "TBM_LANDING"]),
        ("run", ["--landing", "--warehouse", "--published", "TBM_LANDING", "TBM_WAREHOUSE"]),
        ("demo", ["--landing", "--warehouse", "--rows", "TBM_WAREHOUSE"]),
        ("close", ["--month", "--warehouse", "--by", "TBM_WAREHOUSE"]),
        ("reopen", ["--month", "--reason", "--warehouse", "--by"]),
        ("report", ["--month", "--out", "--warehouse", "--published"]),
        ("discover", ["--landing", "--org", "--warehouse", "--write", "--html", "TBM_ORG"]),
    ],
)
def test_every_command_explains_its_flags(command, flags):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    for flag in flags:
        assert flag in result.output

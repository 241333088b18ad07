"""The dbt project: its structure checked on the manifest (sources read only in staging, layers
read only the layers before them, every model read, every published model in an exposure), the
SQL of a generic data test, and orchestration/pipeline/dbt_project.py: pruning the folders
dagster-dbt leaves under target/, and a parse reused on another warehouse."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import duckdb
import jinja2
import msgpack
import pytest

from orchestration.org import ORG_SCHEMA_FILE, ORG_SCHEMA_TESTS
from orchestration.pipeline.dbt_project import (
    duckdb_profile_hash,
    parse_folder,
    prune_invocation_folders,
    seed_partial_parse,
)
from orchestration.settings import Settings
from tests.demo import PROJECT, clean_env

DBT = Path(sys.executable).with_name("dbt")
# the schemas publication copies for BI (orchestration/pipeline/publish.py), without `closed`
PUBLISHED_SCHEMAS = ("marts", "quality")


def make_folder(target: Path, name: str, age_seconds: float) -> Path:
    folder = target / name
    folder.mkdir()
    (folder / "run_results.json").write_text("{}")
    stamp = time.time() - age_seconds
    os.utime(folder, (stamp, stamp))
    return folder


def test_keeps_the_newest_and_the_young_and_removes_the_rest(tmp_path):
    hour = 3600
    # twelve old invocation folders, 2 h .. 13 h old, and two of a run still going (1 min)
    old = [
        make_folder(tmp_path, f"tbm_dbt_models-run{i:04d}-abc", (i + 2) * hour) for i in range(12)
    ]
    young = [make_folder(tmp_path, f"tbm_dbt_models-live{i}-abc", 60) for i in range(2)]
    other = make_folder(tmp_path, "control_plane", 20 * hour)  # not an invocation folder

    removed = prune_invocation_folders("tbm_dbt_models", keep=10, target=tmp_path)

    # newest first: the two young ones and the eight newest old ones are kept, four removed
    assert sorted(removed) == sorted(old[8:])
    assert all(folder.is_dir() for folder in young + old[:8] + [other])
    assert not any(folder.exists() for folder in old[8:])


def test_a_young_folder_beyond_the_newest_is_kept(tmp_path):
    folders = [make_folder(tmp_path, f"tbm_dbt_models-r{i}-x", 30 + i) for i in range(4)]
    assert prune_invocation_folders("tbm_dbt_models", keep=1, target=tmp_path) == []
    assert all(folder.is_dir() for folder in folders)


# --- the dbt project's structure, checked on its manifest (dbt parse, no database) ----------


def settings_for(warehouse: Path, **variables: str) -> Settings:
    """The settings of a process whose environment names WAREHOUSE and VARIABLES only."""
    with mock.patch.dict(os.environ, clean_env(variables), clear=True):
        return Settings.from_env(warehouse=warehouse)


def dbt_command(settings: Settings, target: Path, *args: str) -> subprocess.CompletedProcess:
    """`dbt ARGS` with SETTINGS, its artifacts in TARGET."""
    return subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(PROJECT), "--target-path", str(target)],
        cwd=PROJECT,
        env=clean_env(settings.values()),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    """A full `dbt parse` of the project into a folder of its own: its settings and folder."""
    target = tmp_path_factory.mktemp("dbt_parse")
    settings = settings_for(target / "parse.duckdb")
    result = dbt_command(settings, target, "parse")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return {"settings": settings, "target": target}


@pytest.fixture(scope="module")
def manifest(parsed) -> dict:
    return json.loads((parsed["target"] / "manifest.json").read_text())


def profile_hash(target: Path) -> str:
    """The connection stamp dbt wrote into the parse in TARGET."""
    with (target / "partial_parse.msgpack").open("rb") as f:
        parse = msgpack.unpack(f, raw=False, strict_map_key=False)
    return parse["state_check"]["profile_hash"]["checksum"]


def test_the_stamp_of_a_connection_is_the_one_dbt_computes(parsed):
    assert duckdb_profile_hash(parsed["settings"]) == profile_hash(parsed["target"])


def test_a_dbt_command_on_another_warehouse_starts_from_the_seeded_parse(parsed, tmp_path):
    other = settings_for(tmp_path / "wh" / "parse.duckdb", TBM_DUCKDB_MEMORY_LIMIT="3GB")
    target = tmp_path / "target"
    seed_partial_parse(other, target, source=parsed["target"] / "partial_parse.msgpack")
    assert profile_hash(target) != profile_hash(parsed["target"])  # another connection

    result = dbt_command(other, target, "parse")

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Unable to do partial parsing" not in result.stdout
    # dbt read the seeded parse and parsed no file again
    assert json.loads((target / "perf_info.json").read_text())["parsed_path_count"] == 0
    assert profile_hash(target) == duckdb_profile_hash(other)


def test_a_parse_is_kept_per_target_organisation_and_database_name(tmp_path):
    """Runs for another organisation folder or on another engine keep their own parse, so they
    do not replace the parse of the runs beside them; the warehouse's folder and the memory limit
    change no parse."""
    (tmp_path / "org").mkdir()
    base = settings_for(tmp_path / "a" / "tbm.duckdb")
    elsewhere = settings_for(tmp_path / "b" / "tbm.duckdb", TBM_DUCKDB_MEMORY_LIMIT="3GB")
    others = [
        settings_for(tmp_path / "a" / "tbm.duckdb", TBM_ORG=str(tmp_path / "org")),
        settings_for(tmp_path / "a" / "other.duckdb"),
        settings_for(tmp_path / "a" / "tbm.duckdb", TBM_ENGINE="spark"),
    ]
    assert parse_folder(elsewhere) == parse_folder(base)
    assert len({parse_folder(s) for s in [base, *others]}) == 4


def test_the_build_leaves_out_exactly_the_tests_of_the_organisation_check(
    parsed, manifest, tmp_path
):
    """`tbm run` builds with `--exclude ORG_SCHEMA_TESTS`: what dbt then selects is every data
    test but those of the organisation folder's properties file, which the organisation check
    applies before the build; the tests of models that read the folder's seeds stay."""
    target = tmp_path / "target"
    source = parsed["target"] / "partial_parse.msgpack"
    seed_partial_parse(parsed["settings"], target, source=source)
    result = dbt_command(
        parsed["settings"],
        target,
        *("ls", "--resource-type", "test", "--exclude", ORG_SCHEMA_TESTS),
        *("--output", "json", "--output-keys", "unique_id", "--quiet"),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    selected = {json.loads(line)["unique_id"] for line in result.stdout.splitlines()}
    tests = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    checked_before = {uid for uid, n in tests.items() if n["original_file_path"] == ORG_SCHEMA_FILE}
    assert len(checked_before) > 50
    assert selected == set(tests) - checked_before
    # e.g. a model's relationship to a seed of the folder, and a singular test of its pools
    mapped = [uid for uid in selected if "int_charges_mapped_to_services_service_id" in uid]
    assert any("ref_services" in uid for uid in mapped)
    assert "test.tbm_warehouse.assert_pool_fixed_shares_sum_to_100" in selected


def _models(manifest: dict) -> dict[str, dict]:
    return {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def _layer(node: dict) -> str:
    """The folder under models/ (staging, intermediate, marts, quality, utilities)."""
    return node["fqn"][1]


def published_models_outside_exposures(manifest: dict) -> list[str]:
    """Models materialized in the published schemas (marts, quality) that no exposure names."""
    exposed = {
        uid
        for exposure in manifest["exposures"].values()
        for uid in exposure["depends_on"]["nodes"]
    }
    return sorted(
        node["name"]
        for uid, node in _models(manifest).items()
        if node["schema"] in PUBLISHED_SCHEMAS
        and node["config"]["materialized"] != "ephemeral"
        and uid not in exposed
    )


def test_every_published_model_is_in_an_exposure(manifest):
    assert published_models_outside_exposures(manifest) == []


def test_the_exposure_check_fails_when_a_mart_is_left_out(manifest):
    trimmed = copy.deepcopy(manifest)
    for exposure in trimmed["exposures"].values():
        exposure["depends_on"]["nodes"] = [
            uid
            for uid in exposure["depends_on"]["nodes"]
            if uid != "model.tbm_warehouse.fct_unit_costs"
        ]
    assert published_models_outside_exposures(trimmed) == ["fct_unit_costs"]


def test_sources_are_read_only_in_staging(manifest):
    outside = sorted(
        node["name"]
        for node in _models(manifest).values()
        if _layer(node) != "staging"
        and any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    )
    assert outside == []


def test_each_layer_reads_only_the_layers_before_it(manifest):
    models = _models(manifest)
    allowed = {
        "staging": {"staging"},
        "intermediate": {"staging", "intermediate"},
        "utilities": set(),
    }
    wrong = sorted(
        f"{node['name']} ({_layer(node)}) reads {models[parent]['name']} ({_layer(models[parent])})"
        for node in models.values()
        if _layer(node) in allowed
        for parent in node["depends_on"]["nodes"]
        if parent in models and _layer(models[parent]) not in allowed[_layer(node)]
    )
    assert wrong == []


def test_every_model_has_a_reader(manifest):
    """A model is read by another model, an exposure, the semantic layer (a semantic model or
    the time spine), or nothing reads it and it should not exist."""
    exposed = {
        uid
        for exposure in manifest["exposures"].values()
        for uid in exposure["depends_on"]["nodes"]
    }
    read = {
        uid
        for uid, children in manifest["child_map"].items()
        if any(child.startswith(("model.", "semantic_model.")) for child in children)
    }
    unread = sorted(
        node["name"]
        for uid, node in _models(manifest).items()
        if uid not in read | exposed and not node.get("time_spine")
    )
    assert unread == []


def test_each_not_null_columns_test_names_columns_of_its_model(manifest):
    """A column listed in a `not_null_columns` test is one the model's yml documents (a typo
    would make the test's SQL fail, or test another column)."""
    wrong = []
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if metadata.get("name") != "not_null_columns":
            continue
        tested = manifest["nodes"][node["attached_node"]]
        documented = set(tested["columns"])
        wrong += [
            (tested["name"], column)
            for column in metadata["kwargs"]["columns"]
            if column not in documented
        ]
    assert wrong == []


def _generic_test_sql(name: str, **arguments) -> str:
    """The SQL of the generic data test NAME (macros/test_NAME.sql) for ARGUMENTS, rendered by
    Jinja alone (its `test` block read as a macro; `model` a table name)."""
    source = (PROJECT / "macros" / f"test_{name}.sql").read_text()
    source = source.replace("{% test ", "{% macro ").replace("{% endtest %}", "{% endmacro %}")
    macro = getattr(jinja2.Environment().from_string(source).module, name)
    return str(macro(**arguments))


def test_not_null_columns_fails_with_each_column_that_holds_nulls():
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values (1, null, 'x', null), (null, null, 'y', 2), "
        "(3, null, 'z', 4)) v(a, b, c, d)"
    )
    sql = _generic_test_sql("not_null_columns", model="t", columns=["a", "b", "c", "d"])
    # nulls by hand from the values above: a one, b three, c none, d one
    assert sorted(con.execute(sql).fetchall()) == [("a", 1), ("b", 3), ("d", 1)]
    sql = _generic_test_sql("not_null_columns", model="t", columns=["c"])
    assert con.execute(sql).fetchall() == []

"""The organisation folder: its check names file, line and column; `tbm init` writes a valid one;
a run refuses an invalid folder before it loads anything, and builds on an empty one."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from orchestration.org import validate
from tests.demo import PROJECT, tbm

DEMO = PROJECT / "orgs" / "demo"
FILES = {
    "services.csv",
    "mapping_rules.csv",
    "shared_pools.csv",
    "pool_fixed_shares.csv",
    "pool_membership_rules.csv",
    "budgets.csv",
    "slo_targets.csv",
    "metric_targets.csv",
    "alert_rules.csv",
    "alert_routes.csv",
    "maintenance_windows.csv",
    "ci_runner_invoices.csv",
    "tag_value_aliases.csv",
    "container_clusters.csv",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], header: list[str], bom: str = "") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(bom)
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def org(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    shutil.copytree(DEMO, folder)
    return folder


def test_the_demo_company_folder_is_valid():
    assert {p.name for p in DEMO.glob("*.csv")} == FILES
    assert validate(DEMO) == []


def test_each_bad_value_is_named_by_file_line_and_column(org: Path):
    services = _rows(org / "services.csv")
    header = list(services[0])
    services[1]["service_type"] = "busness"  # line 3: not an allowed value
    services[2]["valid_from"] = "2020-13-01"  # line 4: not a date
    services[3]["tbm_solution"] = ""  # line 5: required
    services[4]["tbm_solution"] = "Not A Solution"  # line 6: not in the TBM taxonomy
    services.append(dict(services[0]))  # last line: the first line's key again
    # a byte-order mark and CRLF line ends, as spreadsheet tools save
    _write(org / "services.csv", services, header, bom="\ufeff")
    rules = _rows(org / "mapping_rules.csv")
    rules[0]["service_id"] = "ghost"
    _write(org / "mapping_rules.csv", rules, list(rules[0]))
    problems = [(p.path.name, p.line, p.column, p.message) for p in validate(org)]
    last = len(services) + 1
    assert problems == [
        ("services.csv", 2, None, f"(service_id, valid_from) = (checkout, 2020-01-01) also on line {last}"),  # noqa: E501
        ("services.csv", 3, "service_type", "'busness' not allowed; allowed: business, shared"),
        ("services.csv", 4, "valid_from", "'2020-13-01' is not a date"),
        ("services.csv", 5, "tbm_solution", "empty; a value is required"),
        ("services.csv", 6, "tbm_solution", "'Not A Solution' not found in tbm_solutions.solution"),
        ("services.csv", last, None, "(service_id, valid_from) = (checkout, 2020-01-01) also on line 2"),  # noqa: E501
        ("mapping_rules.csv", 2, "service_id", "'ghost' not found in services.service_id"),
    ]  # fmt: skip


def test_conditional_rules_and_expressions_of_the_schema_apply(org: Path):
    rules = _rows(org / "mapping_rules.csv")
    tag_rule = next(i for i, r in enumerate(rules) if r["rule_type"] == "tag")
    rules[tag_rule]["match_key"] = ""  # required for tag rules only
    _write(org / "mapping_rules.csv", rules, list(rules[0]))
    targets = _rows(org / "slo_targets.csv")
    targets[0]["slo_target_percent"] = "100"  # must be below 100
    _write(org / "slo_targets.csv", targets, list(targets[0]))
    problems = [(p.path.name, p.line, p.column) for p in validate(org)]
    assert problems == [
        ("mapping_rules.csv", tag_rule + 2, "match_key"),
        ("slo_targets.csv", 2, "slo_target_percent"),
    ]


def test_missing_files_columns_and_unknown_columns(org: Path):
    (org / "slo_targets.csv").unlink()
    budgets = _rows(org / "budgets.csv")
    _write(
        org / "budgets.csv",
        [{**{k: v for k, v in b.items() if k != "budget_currency"}, "note": "x"} for b in budgets],
        [c for c in budgets[0] if c != "budget_currency"] + ["note"],
    )
    problems = [(p.path.name, p.line, p.column) for p in validate(org)]
    assert problems == [
        ("budgets.csv", 1, "budget_currency"),
        ("budgets.csv", 1, "note"),
        ("slo_targets.csv", None, None),
    ]
    assert [p.line for p in validate(org.parent / "nowhere")] == [None]


def test_a_folder_without_the_fallback_rule_is_refused(org: Path):
    rules = [r for r in _rows(org / "mapping_rules.csv") if r["rule_type"] != "fallback"]
    _write(org / "mapping_rules.csv", rules, list(rules[0]))
    problems = [(p.path.name, p.line, p.column) for p in validate(org)]
    assert problems == [("mapping_rules.csv", None, "rule_type")]


def test_init_writes_a_valid_empty_folder_with_its_schema(tmp_path: Path):
    folder = tmp_path / "acme"
    result = tbm("init", "--org", str(folder))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in folder.glob("*.csv")} == FILES
    for path in folder.glob("*.csv"):
        demo = (DEMO / path.name).read_text().splitlines()
        # the demo's header, and no row but the fallback rule, as the demo writes it
        extra = [line for line in demo if ",fallback," in line] if "mapping" in path.name else []
        assert path.read_text().splitlines() == [demo[0], *extra]
    assert len(extra) == 1
    readme = (folder / "README.md").read_text()
    assert all(f"## {name}" in readme for name in FILES)
    assert validate(folder) == []
    again = tbm("init", "--org", str(folder))
    assert again.returncode == 2
    assert "not empty" in again.stderr


@pytest.mark.e2e
def test_a_run_refuses_an_invalid_folder_before_loading(org: Path, tmp_path: Path):
    services = _rows(org / "services.csv")
    services[0]["service_type"] = "busness"
    _write(org / "services.csv", services, list(services[0]))
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    result = tbm("run", "--landing", str(landing), "--org", str(org), "--warehouse", str(warehouse))
    assert result.returncode == 6
    assert f"{org / 'services.csv'}, line 2, column service_type" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not warehouse.exists()


@pytest.mark.e2e
def test_a_new_folder_builds_and_the_allocation_gate_names_the_unallocated_cost(
    demo_template, tmp_path: Path
):
    """A company's first run: every row stages, nothing is mapped; the gate speaks, dbt does not
    fail, nothing is published."""
    folder = tmp_path / "acme"
    assert tbm("init", "--org", str(folder)).returncode == 0
    written = {p.name: p.read_bytes() for p in folder.iterdir()}
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    result = tbm(
        "run",
        *("--landing", str(demo_template["landing"])),
        *("--org", str(folder), "--warehouse", str(warehouse)),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "gate allocation" in result.stdout or "allocation" in result.stdout
    assert not warehouse.with_name("tbm.published.duckdb").exists()
    # dbt read the folder and wrote nothing into it
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == written

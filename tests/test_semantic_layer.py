"""The semantic layer answers like the mart: `mf query` against fct_unit_costs on the demo data.

The demo data set is generated and run through the `tbm` command (as in test_end_to_end.py);
MetricFlow then queries the working warehouse from a copy of the dbt project (MetricFlow reads
`<project>/target/semantic_manifest.json`, so a copy keeps the test off the tree's own target/
folder). Two ways in:

- `mf query ... --csv`: the answer a user gets. MetricFlow writes numbers through floats, so its
  cost per request is compared with the mart's decimal(38,12) after rounding to 12 decimals.
- `mf query ... --explain`: the SQL MetricFlow generates, run on the warehouse, which returns the
  numerator and denominator as exact decimals: they equal the mart's cost and request count
  exactly, and their exact quotient rounded half away from zero is the mart's unit cost.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.demo import clean_env, copy_demo, open_warehouse

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MF = BIN / "mf"
DBT = BIN / "dbt"
TWELVE = Decimal("1e-12")
PROJECT_ITEMS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "orgs",
    "data-tests",
)
METRICS = "allocated_effective_cost,requests,cost_per_request"
GROUP_BY = "service__service_id,metric_time__month"

if not MF.exists():  # pragma: no cover - the lock file installs dbt-metricflow
    pytest.skip(
        f"MetricFlow is not installed ({MF} missing): install the locked dependencies with "
        "`.tools/uv/bin/uv sync --frozen`",
        allow_module_level=True,
    )


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def semantic(demo_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("semantic")
    demo = copy_demo(demo_template, root)
    assert demo["run"].returncode == 0, demo["run"].stdout[-4000:] + demo["run"].stderr[-4000:]
    warehouse = demo["warehouse"]
    project = root / "project"
    project.mkdir()
    for item in PROJECT_ITEMS:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, project / item)
        else:
            shutil.copy2(source, project / item)
    env = clean_env(
        {
            "TBM_WAREHOUSE": str(warehouse),
            "TBM_DUCKDB_TEMP_DIR": str(root / "tmp"),
            "DBT_PROFILES_DIR": str(project),
        }
    )
    # `dbt parse` writes the semantic manifest
    parse = _run([str(DBT), "parse", "--quiet", "--profiles-dir", str(project)], project, env)
    assert parse.returncode == 0, parse.stdout + parse.stderr
    assert (project / "target" / "semantic_manifest.json").exists()

    mf_query = [str(MF), "query", "--metrics", METRICS, "--group-by", GROUP_BY]
    answer = root / "answer.csv"
    queried = _run([*mf_query, "--csv", str(answer)], project, env)
    assert queried.returncode == 0, queried.stdout + queried.stderr
    explained = _run([*mf_query, "--explain"], project, env)
    assert explained.returncode == 0, explained.stdout + explained.stderr

    with open_warehouse(warehouse) as con:
        sql = _generated_sql(explained.stdout)
        exact = con.execute(sql).fetchall()
        exact_columns = [d[0] for d in con.description]
        mart = con.execute(
            "select service_id, billing_month, effective_cost_reporting, request_count, "
            "cost_per_request_reporting from marts.fct_unit_costs"
        ).fetchall()
    with answer.open(newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    return {
        "csv": csv_rows,
        "exact": [dict(zip(exact_columns, row, strict=True)) for row in exact],
        "mart": {(r[0], str(r[1])): r[2:] for r in mart},
        "sql": sql,
    }


def _generated_sql(output: str) -> str:
    """The SQL of `mf query --explain`: from its first SELECT or WITH line to the end."""
    match = re.search(r"^(SELECT|WITH)\b.*", output, flags=re.MULTILINE | re.DOTALL)
    assert match, output
    return match.group(0)


def _key(row: dict) -> tuple[str, str]:
    return row["service__service_id"], str(row["metric_time__month"])[:10]


def test_metricflow_answers_for_every_service_and_month_of_the_mart(semantic):
    mart_keys = set(semantic["mart"])
    assert len(mart_keys) >= 30  # 11 services with cost x 3 demo months
    assert {_key(row) for row in semantic["csv"]} == mart_keys
    assert {_key(row) for row in semantic["exact"]} == mart_keys
    assert len(semantic["csv"]) == len(semantic["exact"]) == len(mart_keys)


def test_numerator_and_denominator_equal_the_mart_exactly(semantic):
    for row in semantic["exact"]:
        cost, requests, _ = semantic["mart"][_key(row)]
        assert isinstance(row["allocated_effective_cost"], Decimal)
        assert row["allocated_effective_cost"] == cost, _key(row)
        assert row["requests"] == requests, _key(row)


def test_cost_per_request_equals_the_mart_to_its_last_decimal(semantic):
    computed = 0
    for source in ("csv", "exact"):
        for row in semantic[source]:
            cost, requests, unit_cost = semantic["mart"][_key(row)]
            value = row["cost_per_request"]
            if unit_cost is None:
                # no request telemetry (a shared service with idle cost): null on both sides
                assert value in (None, ""), (_key(row), value)
                continue
            mf_value = Decimal(repr(float(value))).quantize(TWELVE, rounding=ROUND_HALF_UP)
            assert mf_value == unit_cost, (source, _key(row), value, unit_cost)
            # and the mart's value is the exact quotient, rounded half away from zero
            assert (cost / requests).quantize(TWELVE, rounding=ROUND_HALF_UP) == unit_cost
            computed += 1
    assert computed >= 2 * 30


def test_metricflow_reads_the_mart_and_divides_the_sums(semantic):
    sql = semantic["sql"].lower()
    assert "fct_unit_costs" in sql
    assert "sum(effective_cost_reporting)" in sql
    assert "sum(request_count)" in sql

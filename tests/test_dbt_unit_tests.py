"""The dbt unit tests (models/**/_*unit_tests.yml: fixed input rows, expected output rows).

They check the SQL, not the data, so `tbm run` leaves them out of its build
(orchestration/defs/dbt/assets.py) and they run here, once. dbt reads the column types of a
model's parents from the database, so they run on a copy of the session's demo warehouse.
"""

from __future__ import annotations

import json

import pytest
import yaml

from tests.demo import PROJECT, copy_demo, dbt_on

pytestmark = pytest.mark.e2e


def test_every_dbt_unit_test_passes(demo_template, tmp_path):
    demo = copy_demo(demo_template, tmp_path)
    target = tmp_path / "target"
    result = dbt_on(
        demo["warehouse"],
        *("test", "--select", "test_type:unit"),
        target_path=target,
        env={"TBM_DUCKDB_TEMP_DIR": str(tmp_path / "tmp")},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    declared = sum(
        len((yaml.safe_load(path.read_text()) or {}).get("unit_tests", []))
        for path in (PROJECT / "models").rglob("*.yml")
    )
    print(f"\n{len(unit_tests)} dbt unit tests passed")
    assert {r["status"] for r in unit_tests} == {"pass"}
    assert len(unit_tests) == declared > 0

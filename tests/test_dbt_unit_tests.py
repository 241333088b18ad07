"""dbt unit tests (the `unit_tests:` of models/**/_*__unit_tests.yml) in the test command.

`tbm run` builds with `--exclude-resource-type unit_test`: unit tests check model logic on
fixed inputs, not the data, and were the largest fixed cost of every production build. They
run here instead: a tiny warehouse is built (dbt unit tests read the column types of the real
input relations), then `dbt test --select test_type:unit` runs every unit test against it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
PROJECT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_every_dbt_unit_test_passes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TBM_")}
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "tbm.duckdb"
    cli = [sys.executable, "-m", "orchestration.cli"]
    gen = run([*cli, "generate", "--landing", str(landing), "--rows", "500"], env)
    assert gen.returncode == 0, gen.stderr
    built = run([*cli, "run", "--landing", str(landing), "--warehouse", str(warehouse)], env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    dbt = str(Path(sys.executable).with_name("dbt"))
    env.update(TBM_WAREHOUSE=str(warehouse), TBM_DUCKDB_TEMP_DIR=str(tmp_path / "spill"))
    tests = run(
        [
            dbt,
            "test",
            "--select",
            "test_type:unit",
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env,
    )
    assert tests.returncode == 0, tests.stdout[-5000:]
    assert "ERROR=0" in tests.stdout  # dbt counts a failing unit test as an error
    passed = int(tests.stdout.split("PASS=")[1].split()[0])
    assert passed >= 37  # every unit test of the project ran

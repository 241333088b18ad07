"""The demo warehouse that the end-to-end tests share, and the helpers they call it with.

A `tbm run` of the demo data costs most of a minute, so the session builds it once
(`demo_template` in conftest.py: `tbm generate` with the default seed, then `tbm run`, both as
subprocesses, as a user runs them) and every module that needs a warehouse works on its own copy
of the whole folder (`copy_demo`): landing files, working warehouse, published file, logs and
Data Docs. Paths inside the warehouse are relative to the landing folder, so a copy is a
warehouse in its own right: a run on it skips the files it already loaded.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
DEMO_ROWS = 20_000
# the corrected September export of land_corrected_september_export: one usage line changed,
# one correction line added
CHANGE, CORRECTION = Decimal("100.00"), Decimal("-5.00")


# Seconds after which a `tbm` subprocess of a test is taken to hang. Not a speed target (those are
# benchmarks): on a slow or shared machine a bench or Spark run of the tests takes 10-15 min.
HUNG = 1800


def tbm_command(*args: str) -> list[str]:
    """The `tbm ARGS` command line of this environment's Python."""
    return [sys.executable, "-m", "orchestration.cli", *args]


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its TBM_* and DBT_* settings, plus ENV."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("TBM_", "DBT_"))}
    return {**kept, **(env or {})}


def tbm(
    *args: str, cwd: Path = PROJECT, env: dict[str, str] | None = None, timeout: int = HUNG
) -> subprocess.CompletedProcess:
    """`tbm ARGS` in a subprocess, without the caller's TBM_* and DBT_* settings."""
    return subprocess.run(
        tbm_command(*args),
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_tbm(
    *args: str, cwd: Path = PROJECT, env: dict[str, str] | None = None, **popen
) -> subprocess.Popen:
    """`tbm ARGS` started in the background (like `tbm`; POPEN: where its output goes, ...)."""
    return subprocess.Popen(tbm_command(*args), cwd=cwd, env=clean_env(env), text=True, **popen)


def dbt_on(
    warehouse: Path, *args: str, target_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`dbt ARGS` on the duckdb target of WAREHOUSE (ENV: more settings), its artifacts in
    TARGET_PATH. Like a `tbm run`, it starts from the project's parse, stamped with this
    connection (orchestration/pipeline/dbt_project.py), instead of parsing the project again."""
    from unittest import mock

    from orchestration.pipeline.dbt_project import ensure_manifest, run_dbt, seed_partial_parse
    from orchestration.settings import Settings

    environment = clean_env({"TBM_WAREHOUSE": str(warehouse), **(env or {})})
    with mock.patch.dict(os.environ, environment, clear=True):
        settings = Settings.from_env()
        environment = settings.dbt_environment()  # every setting, as a run gives dbt
    ensure_manifest(settings)
    seed_partial_parse(settings, target_path)
    return run_dbt(*args, target="duckdb", target_path=target_path, env=environment)


def compile_analysis(name: str, target: Path) -> str:
    """The SQL of `analyses/NAME.sql` as dbt compiles it for the duckdb target, its artifacts in
    TARGET; on an in-memory database, so compiling never touches a warehouse file."""
    from orchestration.pipeline.dbt_project import run_dbt

    result = run_dbt(
        *("compile", "--select", name, "--log-path", str(target / "logs")),
        target="duckdb",
        target_path=target,
        env=clean_env({"TBM_WAREHOUSE": ":memory:"}),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return next(target.rglob(f"{name}.sql")).read_text()


def open_warehouse(path: Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The tests' DuckDB connection: to the file PATH, read-only unless told, or to a new
    in-memory database (no PATH). It is a context manager (`with open_warehouse(path) as con:`
    closes it); a test function asks for the `open_warehouse` fixture (conftest.py) instead,
    which closes every connection it opened when the test ends."""
    if path is None:
        return duckdb.connect()
    return duckdb.connect(str(path), read_only=read_only)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of SQL on a DuckDB file opened read-only."""
    with open_warehouse(path) as con:
        return con.execute(sql, params or []).fetchall()


def mart_totals(path: Path, table: str) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(billing month 'YYYY-MM', billing currency) -> (billed, effective): the sums of TABLE's
    billed_cost_billing and effective_cost_billing in the DuckDB file PATH, keyed like
    landing_reader's totals from the files."""
    rows = query(
        path,
        "select billing_month, billing_currency, sum(billed_cost_billing), "
        f"sum(effective_cost_billing) from {table} group by 1, 2",
    )
    return {(str(month)[:7], ccy): (billed, effective) for month, ccy, billed, effective in rows}


def demo_paths(root: Path) -> dict:
    warehouse = root / "wh" / "tbm.duckdb"
    return {
        "root": root,
        "landing": root / "landing",
        "warehouse": warehouse,
        "published": warehouse.with_name("tbm.published.duckdb"),
    }


def build_demo(root: Path) -> dict:
    """Generate the demo data set under ROOT and run it; the paths and both results."""
    paths = demo_paths(root)
    generated = tbm("generate", "--landing", str(paths["landing"]), "--rows", str(DEMO_ROWS))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    run = tbm("run", "--landing", str(paths["landing"]), "--warehouse", str(paths["warehouse"]))
    return {**paths, "generate": generated, "run": run}


def copy_demo(template: dict, root: Path) -> dict:
    """A private copy of the shared demo (landing, warehouse, publication) under ROOT."""
    for part in ("landing", "wh"):
        shutil.copytree(template["root"] / part, root / part, dirs_exist_ok=True)
    return {**demo_paths(root), "run": template["run"]}


def rerun_demo(template: dict, root: Path) -> dict:
    """A copy of the shared demo under ROOT, run again with nothing new to load; its paths and
    that second run (`run`)."""
    demo = copy_demo(template, root)
    run = tbm(
        *("run", "--landing", str(demo["landing"]), "--warehouse", str(demo["warehouse"])),
        cwd=root,
    )
    return {**demo, "run": run}


def redeliver_aws_export(landing: Path, month: str, suffix: str, edit) -> str:
    """Land a re-delivered copy of the demo's AWS export of MONTH ('YYYY-MM'), its rows changed
    by `edit(rows)` (a list of CSV dicts, changed in place), as `..._<MONTH>_<suffix>.csv`; its
    path relative to the landing folder."""
    source = landing / "billing" / "aws" / f"focus-1.2_aws-payer-001_{month}.csv"
    with source.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    edit(rows)
    target = source.with_name(f"{source.stem}_{suffix}.csv")
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return f"billing/aws/{target.name}"


def land_corrected_september_export(landing: Path) -> None:
    """Land a re-delivered AWS September export: the first usage line BilledCost + CHANGE, and a
    correction line of CORRECTION (after `tbm close --month 2026-09`: adjustments)."""

    def correct(rows: list[dict]) -> None:
        usage = [i for i, row in enumerate(rows) if row["ChargeCategory"] == "Usage"]
        changed = rows[usage[0]]
        changed["BilledCost"] = str(Decimal(changed["BilledCost"]) + CHANGE)
        correction = dict(rows[usage[1]])
        correction.update(
            ChargeClass="Correction",
            BilledCost=str(CORRECTION),
            EffectiveCost=str(CORRECTION),
            ChargeDescription="Correction: usage billed twice",
        )
        rows.append(correction)

    redeliver_aws_export(landing, "2026-09", "corrected", correct)

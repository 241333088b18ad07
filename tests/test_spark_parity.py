"""The same dbt project on Apache Spark gives exactly the DuckDB figures.

The shared demo warehouse (tests/demo.py: multi-currency USD/EUR/JPY, AWS, Azure, Google Cloud
and OCI, SaaS and vendor invoices, built on DuckDB) gets September closed (`tbm close`) and a
corrected September export landed, then is copied twice and run once per engine, both at once:
`tbm run --engine duckdb` (incremental: September rebuilt, the close booked as adjustments in
October) and `tbm run --engine spark` (dbt-spark session mode, local[2]; a full build on Spark,
with the raw tables and the closed months exchanged from DuckDB). Every table of the published
`marts` and `quality` schemas is compared row by row (same columns, same rows as a multiset,
decimals to the last digit), then the gate results (suite, check, item, month, observed value,
status) and the figures of the run summary. The run-specific columns (run ids, check and load
times) are the only ones left out.

Both runs build the models without their dbt data tests (TBM_DBT_EXCLUDE_TESTS=1): the other
end-to-end tests run them on DuckDB, `tbm run --engine spark` runs them on Spark, and on
two cores they would triple the time of this test. The marts compared are listed at the end of
the test log.

Needs Java 17+ and pyspark (the `spark` extra, installed by `bash scripts/dev test`); skipped
with the reason otherwise.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import time

import duckdb
import pytest

from tests.demo import (
    HUNG,
    copy_demo,
    demo_paths,
    land_corrected_september_export,
    query,
    start_tbm,
    tbm,
)

pytestmark = pytest.mark.e2e
# columns that name the run or its clock (when a file was loaded), not the figures
RUN_COLUMNS = {
    *("run_id", "checked_at", "published_at", "is_latest_run", "loaded_at"),
    "month_built_at",  # when the build that wrote a month started (month-incremental tables)
}
# the gate history of every run (compared through the gate results of the run instead)
RUN_TABLES = {"marts.fct_data_quality", "quality.gate_results"}
# rows that measure the run's own clock: hours from loading a file to the dbt build
RUN_ROWS = {"marts.fct_tbm_metrics_monthly": "metric_name <> 'allocation_latency_hours'"}


def _java_major() -> int | None:
    java = shutil.which("java")
    if java is None:
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def _skip_reason() -> str | None:
    for module in ("pyspark", "dbt.adapters.spark"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (`uv sync --extra spark`, as scripts/dev does)"
    major = _java_major()
    if major is None:
        return "no Java found (Spark needs Java 17+ on PATH)"
    if major < 17:
        return f"Java {major} found; Spark 4 needs Java 17+"
    return None


SKIP = _skip_reason()
if SKIP:
    pytestmark = [pytestmark, pytest.mark.skip(reason=SKIP)]


def _summary_figures(stdout: str) -> list[str]:
    """The summary's figure lines: everything but run ids, paths, timings and log lines."""
    skip = (
        *("Run ", "Running ", "  dbt and Dagster output", "Published", "  published", "NOT "),
        "  GX Data Docs",
    )
    lines = []
    for line in stdout.splitlines():
        if line.startswith(skip) or "took" in line or ("/" in line and "tbm." in line):
            continue
        lines.append(line)
    return lines


@pytest.fixture(scope="module")
def runs(demo_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("parity")
    duck = copy_demo(demo_template, root / "duckdb")
    closed = tbm("close", "--month", "2026-09", "--warehouse", str(duck["warehouse"]))
    assert closed.returncode == 0, closed.stdout + closed.stderr
    land_corrected_september_export(duck["landing"])
    shutil.copytree(root / "duckdb", root / "spark")
    outcome: dict = {"seconds": {}}
    # both engines at once: Spark's driver waits on its JVM much of the time, DuckDB fills it
    started, processes = time.monotonic(), {}
    for engine in ("duckdb", "spark"):
        paths = demo_paths(root / engine)
        out, err = (root / f"{engine}.out").open("w"), (root / f"{engine}.err").open("w")
        process = start_tbm(
            *("run", "--engine", engine, "--landing", str(paths["landing"])),
            env={"TBM_WAREHOUSE": str(paths["warehouse"]), "TBM_DBT_EXCLUDE_TESTS": "1"},
            stdout=out,
            stderr=err,
        )
        processes[engine] = (process, paths, (out, err))
    for engine, (process, paths, files) in processes.items():
        returncode = process.wait(timeout=HUNG)
        for file in files:
            file.close()
        outcome["seconds"][engine] = time.monotonic() - started
        stdout = (root / f"{engine}.out").read_text()
        stderr = (root / f"{engine}.err").read_text()
        assert returncode == 0, f"{engine}: exit {returncode}\n{stdout}\n{stderr[-3000:]}"
        outcome[engine] = {
            "stdout": stdout,
            "published": paths["published"],
            "spark_dir": paths["warehouse"].parent / "spark",
        }
    return outcome


@pytest.fixture
def publications(runs, open_warehouse) -> duckdb.DuckDBPyConnection:
    """The two runs' published files, attached as `duck` and `spark`."""
    con = open_warehouse()
    con.execute("attach ? as duck (read_only)", [str(runs["duckdb"]["published"])])
    con.execute("attach ? as spark (read_only)", [str(runs["spark"]["published"])])
    return con


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        f"{schema}.{table}"
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ? and table_schema in ('marts', 'quality') order by 1, 2",
            [catalog],
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_catalog = ? "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [catalog, schema, name],
        ).fetchall()
    ]


def test_every_mart_is_equal_row_by_row(runs, publications, record_property):
    con = publications
    duck_tables, spark_tables = _tables(con, "duck"), _tables(con, "spark")
    assert duck_tables == spark_tables
    compared, differences = [], []
    for table in duck_tables:
        if table in RUN_TABLES:
            continue
        columns = _columns(con, "duck", table)
        assert _columns(con, "spark", table) == columns, f"{table}: columns differ"
        select = ", ".join(f'"{c}"' for c in columns if c not in RUN_COLUMNS)
        where = f"where {RUN_ROWS[table]}" if table in RUN_ROWS else ""
        rows = con.execute(f"select count(*) from duck.{table} {where}").fetchone()[0]
        only = {}
        for left, right in (("duck", "spark"), ("spark", "duck")):
            only[left] = con.execute(
                f"select {select} from {left}.{table} {where} except all "
                f"select {select} from {right}.{table} {where} limit 5"
            ).fetchall()
        if only["duck"] or only["spark"]:
            differences.append(
                f"{table}: only on DuckDB {only['duck'][:2]}, only on Spark {only['spark'][:2]}"
            )
        compared.append(f"{table} ({rows} rows)")
    # listed at the end of the test log (tests/conftest.py)
    record_property(
        "marts compared row by row, DuckDB against Spark",
        f"{len(compared)}: " + ", ".join(compared),
    )
    for engine, seconds in runs["seconds"].items():
        record_property(f"tbm run --engine {engine}", f"done {seconds:.1f}s after both started")
    assert not differences, "\n".join(differences)
    # every table of marts and quality but the run's own gate history (18 on the demo)
    assert len(compared) == len(set(duck_tables) - RUN_TABLES) >= 18


def test_gate_results_are_equal(publications, record_property):
    key = (
        "select suite_name, check_name, checked_item, billing_month, observed_value, "
        "threshold, status, is_blocking from {}.quality.gate_results order by all"
    )
    con = publications
    duck = con.execute(key.format("duck")).fetchall()
    spark = con.execute(key.format("spark")).fetchall()
    assert duck, "no gate result published"
    assert spark == duck
    record_property("gate results equal", f"{len(duck)} ({len({r[0] for r in duck})} suites)")


def test_the_run_summaries_show_the_same_figures(runs):
    duck = _summary_figures(runs["duckdb"]["stdout"])
    spark = _summary_figures(runs["spark"]["stdout"])
    assert any("Cost per billing month" in line for line in duck)
    assert spark == duck


def test_spark_built_the_marts(runs):
    """The published Spark figures come from Spark's own tables (Parquet in its warehouse)."""
    warehouse = runs["spark"]["spark_dir"] / "warehouse"
    assert list((warehouse / "marts.db" / "fct_allocated_costs").glob("*.parquet"))
    assert (runs["spark"]["spark_dir"] / "exchange" / "raw" / "billing").is_dir()


def test_spark_saw_the_closed_month(runs):
    """The closed September came to Spark from DuckDB: the correction is booked as adjustments
    (compared equal to DuckDB's above), not as a change of the closed figures."""
    assert (runs["spark"]["spark_dir"] / "exchange" / "closed" / "fct_allocated_costs").is_dir()
    adjustments = query(
        runs["spark"]["published"],
        "select billing_month, adjusted_month, sum(effective_cost_reporting) "
        "from marts.fct_allocated_costs_with_adjustments where row_type = 'adjustment' "
        "group by all",
    )
    assert [(str(a), str(b)) for a, b, _ in adjustments] == [("2026-10-01", "2026-09-01")]
    assert adjustments[0][2] != 0

"""What moves between the DuckDB control plane and Spark (orchestration/pipeline/spark.py), without
Spark: the Parquet files Spark would write are written here by DuckDB."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.pipeline.spark import (
    SparkModel,
    closed_tables_setting,
    exchanged_sources,
    export_sources,
    import_models,
)
from orchestration.warehouse.control_tables import ensure_closed_schema


def _manifest(path: Path) -> Path:
    sources = {
        "source.raw.billing": {"schema": "raw", "identifier": "billing"},
        "source.audit.gate_results": {"schema": "audit", "identifier": "gate_results"},
        "source.closed.current_closes": {"schema": "closed", "identifier": "current_closes"},
        "source.closed.fct_allocated_costs": {
            "schema": "closed",
            "identifier": "fct_allocated_costs",
        },
        "source.closed.fct_showback_monthly": {
            "schema": "closed",
            "identifier": "fct_showback_monthly",
        },
    }
    path.write_text(json.dumps({"sources": sources, "nodes": {}}))
    return path


def test_closed_tables_are_exchanged_once_a_close_wrote_them(tmp_path, open_warehouse):
    con = open_warehouse(tmp_path / "tbm.duckdb", read_only=False)
    con.execute("create schema raw; create table raw.billing (line integer)")
    manifest = _manifest(tmp_path / "manifest.json")
    before = exchanged_sources(manifest, con)
    # no month closed: the log of closes (empty) goes, no frozen mart exists yet
    assert before == [
        ("audit", "gate_results"),
        ("closed", "month_closes"),
        ("raw", "billing"),
    ]
    assert closed_tables_setting(before) == "month_closes"
    # a close froze the allocation mart; the view current_closes is never exported
    ensure_closed_schema(con)
    con.execute(
        "create table closed.fct_allocated_costs as "
        "select 'c1' as close_id, date '2026-09-01' as billing_month, 1.5::decimal(38, 12) as cost"
    )
    after = exchanged_sources(manifest, con)
    assert ("closed", "fct_allocated_costs") in after
    assert ("closed", "current_closes") not in after
    assert closed_tables_setting(after) == "fct_allocated_costs,month_closes"
    counts = export_sources(con, tmp_path / "exchange", after)
    assert counts["closed.fct_allocated_costs"] == 1
    exported = duckdb.sql(
        "select close_id, cost from read_parquet(?)",
        params=[str(tmp_path / "exchange/closed/fct_allocated_costs/data.parquet")],
    ).fetchall()
    assert exported == [("c1", Decimal("1.500000000000"))]


def test_a_spark_table_replaces_a_view_of_a_duckdb_engine_run(tmp_path, open_warehouse):
    """A warehouse built on DuckDB holds some marts as views; the Spark build's import makes
    them tables of Spark's rows."""
    spark = tmp_path / "spark"
    folder = spark / "warehouse" / "marts.db" / "fct_restatements"
    folder.mkdir(parents=True)
    duckdb.sql(
        "copy (select 2 as month_count, 'spark' as built_by) to ? (format parquet)",
        params=[str(folder / "part-00000.parquet")],
    )
    con = open_warehouse(tmp_path / "tbm.duckdb", read_only=False)
    con.execute("create schema marts")
    con.execute(
        "create view marts.fct_restatements as select 1 as month_count, 'duckdb' as built_by"
    )
    counts = import_models(con, spark, [SparkModel("marts", "fct_restatements", "table")])
    assert counts == {"marts.fct_restatements": 1}
    assert con.execute("select * from marts.fct_restatements").fetchall() == [(2, "spark")]
    kind = con.execute(
        "select table_type from information_schema.tables where table_name = 'fct_restatements'"
    ).fetchone()
    assert kind == ("BASE TABLE",)

"""Publication is all or nothing, and readers of the old file are never disturbed."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.pipeline.publish import publish, read_only


def _warehouse(path: Path, value: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts; create schema if not exists quality")
    con.execute("create or replace table marts.fct_x as select ? as amount", [value])
    con.execute("create or replace table quality.qa_x as select ? as checks", [value * 10])
    con.execute("create schema if not exists staging")
    con.execute("create or replace table staging.stg_hidden as select 1 as secret")
    return con


def test_publish_copies_marts_and_quality_only(tmp_path):
    con = _warehouse(tmp_path / "wh.duckdb", 1)
    counts = publish(con, tmp_path / "pub.duckdb", "run-1")
    assert counts == {"marts.fct_x": 1, "quality.qa_x": 1}
    reader = read_only(tmp_path / "pub.duckdb")
    assert reader.execute("select amount from marts.fct_x").fetchall() == [(1,)]
    assert reader.execute("select run_id from publication").fetchall() == [("run-1",)]
    tables = reader.execute("select table_schema from information_schema.tables").fetchall()
    assert ("staging",) not in tables
    with pytest.raises(duckdb.Error):
        reader.execute("create table marts.y as select 1")


def test_a_reader_keeps_its_snapshot_while_a_new_publication_swaps_in(tmp_path):
    published = tmp_path / "pub.duckdb"
    con = _warehouse(tmp_path / "wh.duckdb", 1)
    publish(con, published, "run-1")
    reader = read_only(published)
    con.execute("create or replace table marts.fct_x as select 2 as amount")
    publish(con, published, "run-2")
    # the open reader still reads the complete old publication ...
    assert reader.execute("select amount from marts.fct_x").fetchall() == [(1,)]
    # ... while another process opening the file now reads the complete new one
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('select amount from marts.fct_x').fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(published)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"
    reader.close()
    assert read_only(published).execute("select amount from marts.fct_x").fetchall() == [(2,)]


def test_a_failed_publication_leaves_the_previous_file_and_no_leftovers(tmp_path, monkeypatch):
    published = tmp_path / "pub.duckdb"
    con = _warehouse(tmp_path / "wh.duckdb", 1)
    publish(con, published, "run-1")
    before = published.read_bytes()
    con.execute("create or replace table marts.fct_x as select 2 as amount")

    import orchestration.pipeline.publish as module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt("interrupted during publish")

    monkeypatch.setattr(module, "_copy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        publish(con, published, "run-2")
    assert published.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pub")] == []


def test_the_run_s_gate_results_are_published_with_the_data(tmp_path):
    from orchestration.pipeline.gates import RowResult, record_results

    con = _warehouse(tmp_path / "wh.duckdb", 1)

    def row(status: str) -> RowResult:
        return RowResult(
            "volume",
            "rows against the previous delivery",
            "2026-10-01 f.csv",
            None,
            "0.3",
            None,
            ">= 0.5",
            None,
            None,
            status,
            False,
            "warned" if status == "warn" else None,
        )

    record_results(con, "run-1", [row("pass")])
    record_results(con, "run-2", [row("warn"), row("pass")])
    counts = publish(con, tmp_path / "pub.duckdb", "run-2")
    assert counts["quality.gate_results"] == 2
    reader = read_only(tmp_path / "pub.duckdb")
    published = reader.execute(
        "select run_id, status, message from quality.gate_results order by status"
    ).fetchall()
    assert published == [("run-2", "pass", None), ("run-2", "warn", "warned")]
    # the working warehouse keeps every run's results
    assert con.execute("select count(*) from audit.gate_results").fetchone()[0] == 3


def test_the_closed_figures_are_published_read_only_and_nothing_else_of_the_warehouse(tmp_path):
    from orchestration.warehouse.control_tables import ensure_closed_schema

    con = _warehouse(tmp_path / "wh.duckdb", 1)
    ensure_closed_schema(con)
    con.execute(
        "insert into closed.month_closes values ('c1', date '2026-09-01', 'close', 'alice', "
        "timestamp '2026-10-05 10:00:00', 'run-1', null)"
    )
    con.execute(
        "create table closed.fct_x as select 'c1' as close_id, date '2026-09-01' as billing_month, "
        "12.345678901234::decimal(38, 12) as amount"
    )
    counts = publish(con, tmp_path / "pub.duckdb", "run-2")
    assert {name: n for name, n in counts.items() if name.startswith("closed.")} == {
        "closed.current_closes": 1,
        "closed.fct_x": 1,
        "closed.fx_rates": 0,
        "closed.month_closes": 1,
    }
    reader = read_only(tmp_path / "pub.duckdb")
    assert reader.execute("select close_id, closed_by from closed.current_closes").fetchall() == [
        ("c1", "alice")
    ]
    assert reader.execute("select amount from closed.fct_x").fetchall() == [
        (Decimal("12.345678901234"),)
    ]
    tables = reader.execute("select table_schema from information_schema.tables").fetchall()
    schemas = {row[0] for row in tables}
    assert schemas == {"main", "marts", "quality", "closed"}
    with pytest.raises(duckdb.Error, match="read-only"):
        reader.execute("delete from closed.fct_x")

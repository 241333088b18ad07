"""Publication: the BI-facing read-only DuckDB file, swapped in atomically.

DuckDB lets one process hold a database file for writing and refuses every other process, even
readers, so BI never opens the working warehouse. A run whose blocking gates all passed copies the
`marts`, `quality` and `closed` schemas (closed: the figures `tbm close` froze, with
`closed.month_closes` and `closed.current_closes`) into a new file beside the published one and
renames it over the old file: a reader sees the previous publication or the new one, never half
of a run. Nothing else of the warehouse (raw, staging, intermediate, audit) is published.

With the data goes the run's own record: `quality.gate_results` holds the results of every gate
check of the publishing run (from audit.gate_results, warnings included), and `publication` the
run id and time; audit.publications in the warehouse keeps that time for every publication (where
the allocation latency, metric M8, ends). `marts.fct_data_quality` (a view over
audit.gate_results in the warehouse) is copied as a table, with the history of every run.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.warehouse import table_exists
from orchestration.warehouse.control_tables import ensure_audit_schema

PUBLISHED_SCHEMAS = ("marts", "quality", "closed")
GATE_RESULTS = "quality.gate_results"


def publish(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    run_id: str,
    pause_before_swap_seconds: float = 0.0,
) -> dict[str, int]:
    """Copy the published schemas of the warehouse (`con`) to `published`; table -> row count.
    PAUSE_BEFORE_SWAP_SECONDS: a test hook (tests/test_interrupt.py) that holds the finished file
    aside so a test can kill the run between writing the new publication and swapping it in."""
    published.parent.mkdir(parents=True, exist_ok=True)
    # Files left by a run killed while publishing: only the run holding the lock publishes.
    for leftover in published.parent.glob(f".{published.name}.*.tmp"):
        leftover.unlink()
    staging_file = published.with_name(f".{published.name}.{run_id}.tmp")
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in (?, ?, ?) "
        "order by table_schema, table_name",
        list(PUBLISHED_SCHEMAS),
    ).fetchall()
    counts: dict[str, int] = {}
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("attach ? as tbm_publish", [str(staging_file)])
    try:
        _copy(con, tables, counts, run_id, published_at)
    except BaseException:
        con.execute("detach tbm_publish")
        staging_file.unlink(missing_ok=True)
        raise
    con.execute("detach tbm_publish")
    with staging_file.open("rb") as handle:
        os.fsync(handle.fileno())
    time.sleep(pause_before_swap_seconds)
    os.replace(staging_file, published)
    ensure_audit_schema(con)
    con.execute("insert into audit.publications values (?, ?)", [run_id, published_at])
    return counts


def _copy(
    con: duckdb.DuckDBPyConnection,
    tables,
    counts: dict[str, int],
    run_id: str,
    published_at: datetime,
) -> None:
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"create schema tbm_publish.{schema}")
    for schema, table in tables:
        # schema and table names come from the catalog of our own dbt project
        con.execute(
            f'create table tbm_publish.{schema}."{table}" as '  # noqa: S608
            f'select * from {schema}."{table}"'
        )
        counts[f"{schema}.{table}"] = con.execute(
            f'select count(*) from tbm_publish.{schema}."{table}"'  # noqa: S608
        ).fetchone()[0]
    if table_exists(con, "audit", "gate_results"):
        con.execute(
            f"create table tbm_publish.{GATE_RESULTS} as "  # noqa: S608
            "select * from audit.gate_results where run_id = ? "
            "order by suite_name, check_name, checked_item",
            [run_id],
        )
        counts[GATE_RESULTS] = con.execute(
            f"select count(*) from tbm_publish.{GATE_RESULTS}"  # noqa: S608
        ).fetchone()[0]
    con.execute(
        "create table tbm_publish.main.publication as "
        "select ? as run_id, cast(? as timestamp) as published_at",
        [run_id, published_at],
    )


def read_only(published: Path) -> duckdb.DuckDBPyConnection:
    """How BI (and our summary) opens the publication."""
    return duckdb.connect(str(published), read_only=True)

"""Publication: the BI-facing read-only DuckDB file, swapped in atomically.

DuckDB lets one process hold a database file for writing and refuses every other process, even
readers, so BI never opens the working warehouse. A run whose blocking gates all passed copies the
`marts` and `quality` schemas into a new file beside the published one and renames it over the old
file: a reader sees the previous publication or the new one, never half of a run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "quality")


def publish(con: duckdb.DuckDBPyConnection, published: Path, run_id: str) -> dict[str, int]:
    """Copy the published schemas of the warehouse (`con`) to `published`; table -> row count."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging_file = published.with_name(f".{published.name}.{run_id}.tmp")
    staging_file.unlink(missing_ok=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in (?, ?) "
        "order by table_schema, table_name",
        list(PUBLISHED_SCHEMAS),
    ).fetchall()
    counts: dict[str, int] = {}
    con.execute("attach ? as tbm_publish", [str(staging_file)])
    try:
        _copy(con, tables, counts, run_id)
    except BaseException:
        con.execute("detach tbm_publish")
        staging_file.unlink(missing_ok=True)
        raise
    con.execute("detach tbm_publish")
    with staging_file.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging_file, published)
    return counts


def _copy(con: duckdb.DuckDBPyConnection, tables, counts: dict[str, int], run_id: str) -> None:
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
    con.execute(
        "create table tbm_publish.main.publication as "
        "select ? as run_id, cast(? as timestamp) as published_at",
        [run_id, datetime.now(UTC).replace(tzinfo=None)],
    )


def read_only(published: Path) -> duckdb.DuckDBPyConnection:
    """How BI (and our summary) opens the publication."""
    return duckdb.connect(str(published), read_only=True)

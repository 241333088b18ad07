"""Opening the working warehouse with the configured limits, and the run lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.settings import Settings


@contextmanager
def warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the working warehouse, closed on exit (dbt needs the file)."""
    con = connect(settings.warehouse, settings.memory_limit, settings.temp_dir)
    try:
        yield con
    finally:
        con.close()


def connect(warehouse: Path, memory_limit: str | None = None, temp_dir: Path | None = None):
    """Open the warehouse for writing, in UTC, with the configured memory limit and spill folder."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute("set TimeZone = 'UTC'")
    if memory_limit:
        con.execute("set memory_limit = ?", [memory_limit])
    if temp_dir:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute("set temp_directory = ?", [str(temp_dir)])
    return con


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether the database `con` opened (not an attached one) has `schema`.`table`. The result
    is fetched whole: DuckDB refuses other work on a connection whose result is unfinished."""
    ((count,),) = con.execute(
        "select count(*) from information_schema.tables where table_catalog = "
        "current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(count)


class RunLocked(RuntimeError):
    """Another run holds the warehouse."""


@contextmanager
def run_lock(warehouse_file: Path) -> Iterator[None]:
    """Exclusive lock beside the warehouse so two runs never interleave; refuses at once if held."""
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse_file.with_name(warehouse_file.name + ".lock")
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunLocked(
                f"{warehouse_file} is in use by a running tbm run ({holder}); wait for it to "
                "finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()

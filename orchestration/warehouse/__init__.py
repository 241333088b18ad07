"""Opening the working warehouse with the configured limits, and the run lock."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
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


# lock files this process holds: a run started by `tbm run` holds the lock before the Dagster
# job starts, and the job's settings resource takes it again (a run started by Dagster)
_HELD: set[Path] = set()
WAIT_POLL_SECONDS = 5.0


@contextmanager
def run_lock(
    warehouse_file: Path, wait: bool = False, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Exclusive lock beside the warehouse so two runs never interleave. Refuses at once if
    another process holds it (RunLocked), or with WAIT polls until it is free (calling ON_WAIT
    once with the holder). Re-entrant within a process."""
    warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse_file.with_name(warehouse_file.name + ".lock").resolve()
    if lock_path in _HELD:
        yield
        return
    handle = lock_path.open("a+")
    try:
        told = False
        while not _try_lock(handle):
            holder = _holder(handle)
            if not wait:
                raise RunLocked(
                    f"{warehouse_file} is in use by a running tbm run ({holder}); wait for it to "
                    "finish, then run again"
                )
            if on_wait and not told:
                on_wait(f"{warehouse_file} is in use by a running tbm run ({holder}); waiting")
                told = True
            time.sleep(WAIT_POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _HELD.add(lock_path)
        try:
            yield
        finally:
            _HELD.discard(lock_path)
    finally:
        handle.close()


def lock_holder(warehouse_file: Path) -> str | None:
    """Who holds the run lock of WAREHOUSE_FILE (None: nobody), without taking it."""
    lock_path = warehouse_file.with_name(warehouse_file.name + ".lock").resolve()
    if lock_path in _HELD:
        return f"pid {os.getpid()}"
    if not lock_path.exists():
        return None
    with lock_path.open("a+") as handle:
        if _try_lock(handle):
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None
        return _holder(handle)


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle) -> str:
    handle.seek(0)
    return handle.read().strip() or "another process"

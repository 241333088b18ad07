"""Two runs on one warehouse never interleave: the second refuses at once, clearly, exit code 5."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from orchestration.warehouse import RunLocked, lock_holder, run_lock
from tests.demo import PROJECT, tbm

EXIT_LOCKED = 5


def _hold_lock(warehouse, seconds: float) -> subprocess.Popen:
    """Another process holding the run lock of WAREHOUSE for SECONDS (it prints when it has it)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from orchestration.warehouse import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True); time.sleep(float(sys.argv[2]))",
            str(warehouse),
            str(seconds),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_lock_held_by_another_process_is_refused_or_waited_for(tmp_path, monkeypatch):
    import orchestration.warehouse as wh

    warehouse = tmp_path / "wh" / "tbm.duckdb"
    assert lock_holder(warehouse) is None
    started = time.monotonic()
    holder = _hold_lock(warehouse, 2)
    try:
        assert lock_holder(warehouse) == f"pid {holder.pid}"
        with pytest.raises(RunLocked, match=f"pid {holder.pid}"):
            with run_lock(warehouse):
                pass
        monkeypatch.setattr(wh, "WAIT_POLL_SECONDS", 0.1)
        told = []
        with run_lock(warehouse, wait=True, on_wait=told.append):  # a run Dagster started
            assert time.monotonic() - started >= 2  # only once the holder let go
            assert lock_holder(warehouse) == f"pid {os.getpid()}"
        assert len(told) == 1 and f"pid {holder.pid}" in told[0]
    finally:
        holder.kill()
    assert lock_holder(warehouse) is None


def test_the_lock_is_reentrant_within_a_process(tmp_path):
    """`tbm run` takes the lock, then the Dagster job's settings resource takes it again."""
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    with run_lock(warehouse):
        with run_lock(warehouse):
            pass
        assert lock_holder(warehouse) == f"pid {os.getpid()}"
    assert lock_holder(warehouse) is None


@pytest.mark.e2e
def test_tbm_run_refuses_while_another_process_holds_the_warehouse(tmp_path):
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    landing = tmp_path / "landing"
    landing.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from orchestration.warehouse import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        second = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse), timeout=120)
        assert second.returncode == EXIT_LOCKED, second.stdout + second.stderr
        assert f"in use by a running tbm run (pid {holder.pid})" in second.stderr
        assert time.monotonic() - started < 60  # refused at once, not after the holder ended
        assert not warehouse.exists()  # the refused run did not touch the warehouse
    finally:
        holder.kill()
        holder.wait()

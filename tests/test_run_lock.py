"""Two runs on one warehouse never interleave: the second refuses at once, clearly, exit code 5."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from orchestration.warehouse import RunLocked, run_lock
from tests.demo import PROJECT, tbm

EXIT_LOCKED = 5


def test_a_second_lock_on_the_same_warehouse_is_refused_until_the_first_ends(tmp_path):
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    with run_lock(warehouse):
        with pytest.raises(RunLocked, match=f"pid {os.getpid()}"):
            with run_lock(warehouse):
                pass
    with run_lock(warehouse):  # released when the first run ends
        pass


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

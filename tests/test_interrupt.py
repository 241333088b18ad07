"""Kill a run at any point: the published file is the previous good one, and the next run completes
without manual clean-up.

One warehouse goes through three runs killed with SIGKILL (no clean-up handlers run), one after
the other: right after the load (when dbt starts), during the dbt build (when a mart starts
building) and during publication (while the new file is written aside, before the swap). After
each kill the published file is the previous good one. Each killed run gets past the point
where the one before it died (the second builds the models of what the first loaded, the third
has built every model when it starts publishing), and a last run, started on what the third
left (a half-written file beside the published one), completes and publishes the new month.
The runs build without their dbt data tests (TBM_DBT_EXCLUDE_TESTS=1): what is tested is where a
run dies and how the next one recovers, and the other end-to-end tests run the data tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.demo import copy_demo, open_warehouse, start_tbm, tbm

pytestmark = pytest.mark.e2e
MODELS_ONLY = {"TBM_DBT_EXCLUDE_TESTS": "1"}


def _published_figures(published: Path) -> tuple:
    with open_warehouse(published) as con:
        run_id = con.execute("select run_id from publication").fetchone()[0]
        rows = con.execute(
            "select * from marts.fct_cost_by_service_monthly order by all"
        ).fetchall()
        return run_id, rows


def _wait_for(condition, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended (exit {process.returncode}) before the kill point")
        time.sleep(0.05)
    pytest.fail("kill point not reached in time")


def _log_contains(logs: Path, text: str):
    def check() -> bool:
        return any(text in p.read_text(errors="replace") for p in logs.glob("run-*.log"))

    return check


def _kill_at(condition, root: Path, warehouse: Path, env: dict[str, str]) -> None:
    """Start `tbm run` and SIGKILL its whole process group once `condition()` holds."""
    run = start_tbm(
        *("run", "--landing", str(root / "landing"), "--warehouse", str(warehouse)),
        env={**MODELS_ONLY, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(condition, run)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()


def test_killed_runs_leave_the_last_publication_and_the_next_run_recovers(demo_template, tmp_path):
    root = tmp_path
    demo = copy_demo(demo_template, root)
    warehouse, published = demo["warehouse"], demo["published"]
    logs = root / "wh" / "logs"
    before = _published_figures(published)
    # a new month lands, so the next good publication differs from the previous one
    generated = tbm(
        *("generate", "--landing", str(root / "landing"), "--rows", "3000"),
        *("--months", "1", "--start-month", "2026-11"),
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # publication waits before the swap, so that the kill lands while the new file is aside
    kill_points = {
        "after_load": (_log_contains(logs, "Running with dbt="), {}),
        "during_dbt": (_log_contains(logs, "START sql table model marts."), {}),
        "during_publish": (
            lambda: any(root.joinpath("wh").glob(".tbm.published.duckdb.*.tmp")),
            {"TBM_TEST_PAUSE_BEFORE_SWAP": "30"},
        ),
    }
    for kill_point, (condition, extra) in kill_points.items():
        for log in logs.glob("*.log"):
            log.unlink()
        _kill_at(condition, root, warehouse, extra)
        assert _published_figures(published) == before, kill_point

    again = tbm(
        *("run", "--landing", str(root / "landing"), "--warehouse", str(warehouse)),
        env=MODELS_ONLY,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    run_id, rows = _published_figures(published)
    assert run_id != before[0]
    months = {str(row[0])[:7] for row in rows}
    assert months == {"2026-08", "2026-09", "2026-10", "2026-11"}
    assert list(root.joinpath("wh").glob(".tbm.published.duckdb.*.tmp")) == []

"""Fixtures shared by the test modules (see tests/demo.py), and the two kinds of test.

A test is end to end (marker `e2e`) when it runs `tbm`, dbt, Spark or a browser, or reads a
shared warehouse (TEMPLATES below); every other test is a fast unit test: `pytest -m "not e2e"`
runs those alone. Collection fails when a test asks for a shared warehouse without the marker.

The test command runs the modules on three pytest-xdist workers (`--dist loadfile`: a module's
tests stay on one worker, so its module fixtures run once). The shared warehouses are built once
for all workers: the first to ask builds one under a file lock, the others wait and read its
result. The longest modules are handed out first (`--no-loadscope-reorder` and SLOWEST_FIRST
below), so that no long module starts last and runs alone at the end.
"""

from __future__ import annotations

import fcntl
import functools
import json
import resource
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

import tests.demo
from orchestration.warehouse import connect
from tests.demo import build_demo, demo_paths, rerun_demo
from tests.real_exports import build_real_exports, real_exports_paths

# the warehouses built once per test command (below), which only end-to-end tests may use
TEMPLATES = ("demo_template", "demo_rerun", "real_exports_template")

# measured with --durations (module setup + calls), longest first; the other modules follow in
# their usual order
SLOWEST_FIRST = (
    "test_spark_parity.py",
    # second, so the second worker does not wait for the demo template the first one builds
    "test_bench.py",
    "test_security.py",
    "test_gates_e2e.py",
    "test_incremental.py",
    "test_close_end_to_end.py",
    "test_end_to_end.py",
    "test_interrupt.py",
    "test_bad_input_late_and_large.py",
    "test_alerts.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if set(TEMPLATES) & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("e2e") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            f"these tests use a shared warehouse (a fixture of {', '.join(TEMPLATES)}) but are "
            "not marked end to end: add `pytestmark = pytest.mark.e2e` to the module or "
            "`@pytest.mark.e2e` to the test:\n  " + "\n  ".join(unmarked)
        )

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: tests keep their order within a module


CPU_AT_START = pytest.StashKey[float]()


def _cpu_seconds() -> float:
    """CPU of this process and of the subprocesses it has waited for (user + system)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[CPU_AT_START] = _cpu_seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Each test's CPU seconds, setup (its fixtures included) to teardown, on its teardown
    report (`cpu_seconds`), which pytest-xdist hands to the controller like any user property."""
    outcome = yield
    if call.when == "teardown" and CPU_AT_START in item.stash:
        spent = _cpu_seconds() - item.stash[CPU_AT_START]
        outcome.get_result().user_properties.append(("cpu_seconds", spent))


def pytest_terminal_summary(terminalreporter) -> None:
    """The figures tests record (`record_property`: the focus-validator summary, the marts the
    Spark parity test compared, ...) printed at the end of the test log. Prints of passing tests
    are captured, and pytest-xdist workers' output never reaches the terminal; a report's
    user_properties do."""
    lines = sorted(
        {
            f"{report.nodeid}: {name}: {value}"
            for reports in terminalreporter.stats.values()
            for report in reports
            if getattr(report, "when", None) == "call"
            for name, value in getattr(report, "user_properties", ())
        }
    )
    if lines:
        terminalreporter.section("figures recorded by the tests")
        for line in lines:
            terminalreporter.write_line(line)
    _cpu_per_module(terminalreporter)


def _cpu_per_module(terminalreporter) -> None:
    """The test command's CPU by module, largest first: where its time budget goes. A
    subprocess counts once it has been waited for, with the children it waited for: Spark's JVM,
    which dbt leaves to exit by itself, does not (on two cores it adds about 300 s)."""
    modules: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "cpu_seconds" and report.when == "teardown":
                    modules[report.nodeid.split("::")[0]] += value
    if not modules:
        return
    terminalreporter.section("CPU seconds per module (tests and the subprocesses they waited for)")
    terminalreporter.write_line(f"{sum(modules.values()):8.1f}  all modules")
    for module, seconds in sorted(modules.items(), key=lambda kv: -kv[1])[:15]:
        terminalreporter.write_line(f"{seconds:8.1f}  {module}")


def _as_json(result: subprocess.CompletedProcess) -> dict:
    return {k: getattr(result, k) for k in ("args", "returncode", "stdout", "stderr")}


def _built_once(tmp_path_factory, worker_id, name: str, build, paths) -> dict:
    """BUILD(root) -> {..., "run": CompletedProcess, ...} once per test command, under the
    basetemp folder that every xdist worker shares: the first worker to ask builds it under a
    file lock, the others wait and read its results; PATHS(root): the paths it returns."""
    if worker_id == "master":  # no xdist
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    root, done = shared / name, shared / f"{name}.json"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            built = build(root)
            runs = {
                k: _as_json(v)
                for k, v in built.items()
                if isinstance(v, subprocess.CompletedProcess)
            }
            done.write_text(json.dumps(runs))
    results = json.loads(done.read_text())
    return {**paths(root), **{k: subprocess.CompletedProcess(**v) for k, v in results.items()}}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, worker_id) -> dict:
    """The demo data set, generated and run once per test command. Read it, never write it: a
    test that changes anything works on `copy_demo(demo_template, its own folder)`."""
    return _built_once(tmp_path_factory, worker_id, "demo_template", build_demo, demo_paths)


@pytest.fixture(scope="session")
def demo_rerun(demo_template, tmp_path_factory, worker_id) -> dict:
    """A copy of the demo warehouse after a second `tbm run` with nothing new to load (`run`),
    once per test command. Read it, never write it."""
    build = functools.partial(rerun_demo, demo_template)
    return _built_once(tmp_path_factory, worker_id, "demo_rerun", build, demo_paths)


@pytest.fixture(scope="session")
def real_exports_template(tmp_path_factory, worker_id) -> dict:
    """`tbm run` on the providers' real exports (tests/real_exports.py), once per test command.
    Read it, never write it: a test that changes anything copies the folder first."""
    return _built_once(
        tmp_path_factory, worker_id, "real_exports", build_real_exports, real_exports_paths
    )


@pytest.fixture
def open_warehouse():
    """`open_warehouse(path=None, read_only=True)`: a DuckDB connection (tests/demo.py
    open_warehouse), closed when the test ends."""
    opened = []

    def open_(path: Path | None = None, read_only: bool = True):
        connection = tests.demo.open_warehouse(path, read_only)
        opened.append(connection)
        return connection

    yield open_
    for connection in opened:
        connection.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """An empty landing folder's path (not created: the files a test writes create it)."""
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path: Path):
    """The loader's connection (orchestration.pipeline.load.connect) to a new working warehouse
    in the test's folder. A module that needs another kind of `con` defines its own, which
    pytest uses there instead."""
    connection = connect(tmp_path / "wh.duckdb")
    yield connection
    connection.close()

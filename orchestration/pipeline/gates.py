"""Great Expectations gates over small tables.

Each gate is a GX 1.x expectation suite stored as JSON in `expectations/`. Its `meta` names the
table it validates (a dbt `quality` model or a bounded raw frame), whether it blocks publication,
and the column that labels a row (usually `billing_month`). Thresholds are suite parameters
(`{"$PARAMETER": "max_unallocated_share"}`) filled from the settings, so they are configuration.
An expectation's `meta.check` names the check in words; `meta.sample_column` names a column whose
value (a sample charge, the services concerned) is appended to a failure message.

The GX SQL datasource cannot read DuckDB (upstream issue #11579), so the table is fetched with
DuckDB and validated as a pandas frame: one row per month per check, never a fact table.

Every checked row becomes a `RowResult` (item, observed value, limit, status), appended by the
gate checks to `audit.gate_results` in the working warehouse (the history that
`marts.fct_data_quality` presents), and every suite's validation result is rendered as GX Data
Docs (static HTML, built offline) in `<warehouse dir>/gx_docs/`.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.settings import PROJECT_DIR, set_library_switches
from orchestration.warehouse.control_tables import ensure_audit_schema

if TYPE_CHECKING:  # pandas is imported with Great Expectations, off the run's critical path
    import pandas as pd

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
DOCS_SITE = "tbm_gates"
set_library_switches()

AUDIT_COLUMNS = (
    "run_id",
    "suite_name",
    "check_name",
    "checked_item",
    "billing_month",
    "observed_value",
    "observed_number",
    "threshold",
    "threshold_min",
    "threshold_max",
    "status",
    "is_blocking",
    "message",
    "checked_at",
)


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    blocking: bool
    label_column: str | None
    description: str
    expectations: list[dict[str, Any]]
    # the table keeps a row per file of every run (column run_id): the suite checks this run's
    rows_of_the_run: bool = False

    @classmethod
    def load(cls, path: Path) -> Suite:
        data = json.loads(path.read_text())
        meta = data.get("meta", {})
        return cls(
            name=data["name"],
            table=meta["table"],
            blocking=bool(meta.get("blocking", True)),
            label_column=meta.get("label_column"),
            description=meta.get("description", ""),
            expectations=data["expectations"],
            rows_of_the_run=bool(meta.get("rows_of_the_run", False)),
        )

    def parameters(self) -> set[str]:
        """The suite parameters (`$PARAMETER` names) its expectations use."""
        return {
            value["$PARAMETER"]
            for exp in self.expectations
            for value in exp["kwargs"].values()
            if isinstance(value, dict) and "$PARAMETER" in value
        }


@dataclass(frozen=True)
class RowResult:
    """One checked row (a month, a file, a delivery, an account) of one expectation."""

    suite: str
    check: str
    item: str | None
    billing_month: date | None
    observed: str | None
    observed_number: Decimal | None
    limit: str
    limit_min: Decimal | None
    limit_max: Decimal | None
    status: str  # pass | fail | warn
    blocking: bool
    message: str | None


@dataclass(frozen=True)
class CheckResult:
    suite: str
    check: str
    passed: bool
    blocking: bool
    failures: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.passed:
            return "pass"
        return "fail" if self.blocking else "warn"


@dataclass(frozen=True)
class SuiteValidation:
    suite: Suite
    results: list[CheckResult]
    gx_result: Any  # great_expectations ExpectationSuiteValidationResult

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def rows(self) -> list[RowResult]:
        return [row for r in self.results for row in r.rows]


def load_suites(directory: Path = EXPECTATIONS_DIR) -> dict[str, Suite]:
    return {s.name: s for s in (Suite.load(p) for p in sorted(directory.glob("*.json")))}


def _import_great_expectations() -> None:
    """Import Great Expectations with pyspark hidden from it (every GX import goes through here).

    GX imports pyspark (sql, ml, connect) whenever it is installed, for Spark data sources the
    gates never use (they validate pandas frames of the small quality tables). With the `spark`
    extra installed that is seconds more of import in every run, and pyspark.sql.connect ends
    the process (sys.exit(0), a doctest guard) when `__main__` has no file, as in a pytest-xdist
    worker. A None entry in sys.modules makes `import pyspark` raise ImportError, which GX takes
    as "not installed"; the entry is removed again at once (dbt, not this process, runs Spark).
    """
    if "great_expectations" in sys.modules:
        return
    with _import_lock:
        if "great_expectations" in sys.modules:
            return
        hidden = {
            name: module
            for name, module in sys.modules.items()
            if name == "pyspark" or name.startswith("pyspark.")
        }
        sys.modules["pyspark"] = None  # type: ignore[assignment]
        try:
            import great_expectations  # noqa: F401
        finally:
            del sys.modules["pyspark"]
            sys.modules.update(hidden)


_import_lock = threading.Lock()


def _ephemeral_context():
    """An in-memory GX context without the temporary docs site GX would create in /tmp."""
    _import_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@cache
def _frame_batches():
    """The one pandas data source and batch definition every suite's frame goes through.

    One for all suites, made once (in the warm-up thread): GX saves its whole project config
    as YAML on every data source, asset and batch definition it adds, even in an ephemeral
    context, so a data source per suite cost more than the validations themselves.
    """
    source = _ephemeral_context().data_sources.add_pandas("tbm_gates")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all")


def warm_up() -> threading.Thread:
    """Import Great Expectations in a background thread and make its pandas data source.

    About 2.5-3 s of CPU from compiled bytecode: GX's package `__init__` imports all of GX
    (every core expectation and metric, scipy and altair for the distribution ones, sqlalchemy,
    pandas), so no narrower import exists. The dbt asset starts it as the dbt build (a
    subprocess) starts, so that the import overlaps the build instead of delaying the first gate
    check; started with the run, it held the GIL while Dagster planned the run (cProfile: run
    creation 4.0 s instead of 0.8 s). Any error is left for the check to report.
    """

    def _import() -> None:
        try:
            _frame_batches()
        except Exception:  # the first gate check imports again and reports the error
            return

    thread = threading.Thread(target=_import, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


def _gx_suite(suite: Suite):
    _import_great_expectations()
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    gx_suite = ExpectationSuite(name=suite.name, meta={"description": suite.description})
    for exp in suite.expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta"))
        )
    return gx_suite


def _resolve(kwargs: dict[str, Any], parameters: dict[str, Decimal]) -> dict[str, Any]:
    """The kwargs with each `{"$PARAMETER": name}` replaced by the setting's exact value."""
    resolved = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and "$PARAMETER" in value:
            name = value["$PARAMETER"]
            if name not in parameters:
                raise KeyError(f"suite parameter {name!r} has no setting (settings.THRESHOLDS)")
            value = parameters[name]
        resolved[key] = value
    return resolved


def _limit(kwargs: dict[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None and Decimal(str(low)) == Decimal(str(high)):
        return f"= {_plain(low)}"
    parts = []
    if low is not None:
        parts.append(f">= {_plain(low)}")
    if high is not None:
        parts.append(f"<= {_plain(high)}")
    if kwargs.get("value_set") is not None:
        parts.append("in " + ", ".join(map(str, kwargs["value_set"])))
    if kwargs.get("column_set") is not None:
        parts.append("columns " + ", ".join(map(str, kwargs["column_set"])))
    return " and ".join(parts) or "the expectation"


def _is_null(value: Any) -> bool:
    import pandas as pd  # loaded by then: the frame being checked is a pandas frame

    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: Any) -> Any:
    """A value as a person reads it: 1 not 1.0, 2026-08-01 not a timestamp at midnight."""
    if _is_null(value):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value.normalize()
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _number(value: Any) -> Decimal | None:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _month(value: Any) -> date | None:
    if _is_null(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _text(value: Any) -> str | None:
    value = _plain(value)
    return None if value is None else str(value)


def validate_suite(
    suite: Suite, frame: pd.DataFrame, parameters: dict[str, Decimal]
) -> SuiteValidation:
    """Validate one frame against one suite: one result per expectation, one row result per
    checked row, and readable failure messages (item, check, observed value, limit)."""
    gx_suite = _gx_suite(suite)
    frame = frame.reset_index(drop=True)
    batch = _frame_batches().get_batch(batch_parameters={"dataframe": frame})
    used = suite.parameters()
    outcome = batch.validate(
        gx_suite,
        expectation_parameters={k: float(v) for k, v in parameters.items() if k in used},
        result_format={"result_format": "COMPLETE"},
    )
    results = [
        _check_result(suite, frame, res, parameters, _expectation_of(suite, res))
        for res in outcome.results
    ]
    return SuiteValidation(suite, results, outcome)


def _expectation_of(suite: Suite, res: Any) -> dict[str, Any]:
    """The suite expectation (JSON) a GX result belongs to: same type, column and check."""
    config = res.expectation_config
    for exp in suite.expectations:
        if (
            exp["type"] == config.type
            and exp["kwargs"].get("column") == config.kwargs.get("column")
            and (exp.get("meta") or {}) == (config.meta or {})
        ):
            return exp
    raise LookupError(f"suite {suite.name}: no expectation matches the GX result {config.type}")


def _check_result(
    suite: Suite, frame: pd.DataFrame, res: Any, parameters: dict[str, Decimal], exp: dict
) -> CheckResult:
    meta = exp.get("meta") or {}
    check = meta.get("check", exp["type"])
    sample_column = meta.get("sample_column")
    kwargs = _resolve(exp["kwargs"], parameters)
    limit = _limit(kwargs)
    low, high = _number(kwargs.get("min_value")), _number(kwargs.get("max_value"))
    column = kwargs.get("column")
    label = suite.label_column if suite.label_column in frame.columns else None
    failed_status = "fail" if suite.blocking else "warn"
    rows: list[RowResult] = []
    failures: list[str] = []

    def row_result(item: Any, month: Any, observed: Any, failed: bool, sample: Any) -> RowResult:
        message = None
        if failed:
            where = f"{_plain(item)}: " if item is not None else ""
            message = f"{where}{check}: observed {_plain(observed)}, limit {limit}"
            if not _is_null(sample) and _plain(sample) not in ("", None):
                message += f" ({sample_column}: {_plain(sample)})"
            failures.append(message)
        return RowResult(
            suite.name,
            check,
            _text(item),
            _month(month),
            _text(observed),
            _number(observed),
            limit,
            low,
            high,
            failed_status if failed else "pass",
            suite.blocking,
            message,
        )

    if column in frame.columns and len(frame):
        unexpected = set(res.result.get("unexpected_index_list") or [])
        for position in range(len(frame)):
            record = frame.iloc[position]
            rows.append(
                row_result(
                    record[label] if label else None,
                    record["billing_month"] if "billing_month" in frame.columns else None,
                    record[column],
                    position in unexpected,
                    record[sample_column] if sample_column in frame.columns else None,
                )
            )
        if not res.success and not unexpected:  # failed without naming rows (e.g. `mostly`)
            failures.append(f"{check}: observed {res.result.get('unexpected_list')}, limit {limit}")
    else:
        observed = res.result.get("observed_value", res.result.get("unexpected_list"))
        rows.append(row_result(None, None, observed, not res.success, None))
    return CheckResult(suite.name, check, bool(res.success), suite.blocking, failures, rows)


def validate(
    suite: Suite, frame: pd.DataFrame, parameters: dict[str, Decimal]
) -> list[CheckResult]:
    """Validate one frame against one suite; one result per expectation, with readable failures."""
    return validate_suite(suite, frame, parameters).results


# --------------------------------------------------------------------------------------------
# Run history: audit.gate_results
# --------------------------------------------------------------------------------------------


def record_results(
    con, run_id: str, rows: Iterable[RowResult], checked_at: datetime | None = None
) -> int:
    """Append the row results of one check run to audit.gate_results; returns the rows added."""
    ensure_audit_schema(con)
    at = (checked_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    values = [
        [
            run_id,
            r.suite,
            r.check,
            r.item,
            r.billing_month,
            r.observed,
            r.observed_number,
            r.limit,
            r.limit_min,
            r.limit_max,
            r.status,
            r.blocking,
            r.message,
            at,
        ]
        for r in rows
    ]
    # one insert of many rows per statement: DuckDB's executemany runs a statement per row,
    # 0.2-0.4 s for the few hundred rows of the billing-file suites
    row = "(" + ", ".join("?" * len(AUDIT_COLUMNS)) + ")"
    for start in range(0, len(values), _INSERT_ROWS):
        chunk = values[start : start + _INSERT_ROWS]
        con.execute(
            f"insert into audit.gate_results ({', '.join(AUDIT_COLUMNS)}) "  # noqa: S608
            f"values {', '.join([row] * len(chunk))}",
            [value for row_values in chunk for value in row_values],
        )
    return len(values)


_INSERT_ROWS = 500


# --------------------------------------------------------------------------------------------
# GX Data Docs
# --------------------------------------------------------------------------------------------

_docs: dict[Path, tuple[str, Any]] = {}
_docs_lock = threading.Lock()
_VIEWS = tuple(
    {"module_name": "orchestration.pipeline.gx_views", "class_name": name}
    for name in ("CachedJinjaPageView", "CachedJinjaIndexPageView")
)


def _docs_context(docs_dir: Path, run_id: str):
    """A GX context whose Data Docs site is `docs_dir`, holding this run's results only."""
    current = _docs.get(docs_dir)
    if current and current[0] == run_id:
        return current[1]
    # a new run: the pages of the previous one go, the index lists this run's suites
    shutil.rmtree(docs_dir / "validations", ignore_errors=True)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = _ephemeral_context()
    context.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            # GX's views, with their Jinja templates compiled once per process (gx_views.py)
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "view": _VIEWS[1]},
            "site_section_builders": {"validations": {"view": _VIEWS[0]}},
        },
    )
    _docs[docs_dir] = (run_id, context)
    return context


def build_data_docs(docs_dir: Path, validation: SuiteValidation, run_id: str) -> Path:
    """Render one suite's validation result, and the index of the run's results, as static HTML
    (offline; the pages load their styles from public CDNs when opened)."""
    _import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with _docs_lock:
        context = _docs_context(docs_dir, run_id)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=validation.suite.name),
            run_id=RunIdentifier(run_name=run_id, run_time=datetime.now(UTC)),
            batch_identifier=validation.suite.table,
        )
        context.validation_results_store.set(key, validation.gx_result)
        context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=[key])
    return docs_dir / "index.html"


# --------------------------------------------------------------------------------------------
# Gate time (the gates' share of a run, printed in its summary; docs/gates.md)
# --------------------------------------------------------------------------------------------


def step_seconds(events: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Seconds per step from (step_key, event type, timestamp) records of a Dagster run."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for step, kind, at in events:
        if kind == "STEP_START":
            started[step] = at
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in started:
            seconds[step] = seconds.get(step, 0.0) + at - started.pop(step)
    return seconds

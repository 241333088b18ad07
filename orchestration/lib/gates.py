"""Great Expectations gates over small tables.

Each gate is a GX 1.x expectation suite stored as JSON in `expectations/`. Its `meta` names the
table it validates (a dbt `quality` model or a bounded raw frame), whether it blocks publication,
and the column that labels a failing row (usually `billing_month`). Thresholds are suite parameters
(`{"$PARAMETER": "max_unallocated_share"}`) filled from the settings, so they are configuration.

The GX SQL datasource cannot read DuckDB (upstream issue #11579), so the table is fetched with
DuckDB and validated as a pandas frame: one row per month per check, never a fact table.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from orchestration.lib.settings import PROJECT_DIR

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    blocking: bool
    label_column: str | None
    description: str
    expectations: list[dict[str, Any]]

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
        )


@dataclass(frozen=True)
class CheckResult:
    suite: str
    check: str
    passed: bool
    blocking: bool
    failures: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.passed:
            return "pass"
        return "fail" if self.blocking else "warn"


def load_suites(directory: Path = EXPECTATIONS_DIR) -> dict[str, Suite]:
    return {s.name: s for s in (Suite.load(p) for p in sorted(directory.glob("*.json")))}


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _gx_suite(suite: Suite):
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    gx_suite = ExpectationSuite(name=suite.name)
    for exp in suite.expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta"))
        )
    return gx_suite


def _limit(kwargs: dict[str, Any]) -> str:
    parts = []
    if kwargs.get("min_value") is not None and kwargs.get("min_value") == kwargs.get("max_value"):
        return f"= {_plain(kwargs['min_value'])}"
    if kwargs.get("min_value") is not None:
        parts.append(f">= {kwargs['min_value']}")
    if kwargs.get("max_value") is not None:
        parts.append(f"<= {kwargs['max_value']}")
    if kwargs.get("value_set") is not None:
        parts.append("in " + ", ".join(map(str, kwargs["value_set"])))
    if kwargs.get("column_set") is not None:
        parts.append("columns " + ", ".join(map(str, kwargs["column_set"])))
    return " and ".join(parts) or "the expectation"


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return value


def validate(
    suite: Suite, frame: pd.DataFrame, parameters: dict[str, Decimal]
) -> list[CheckResult]:
    """Validate one frame against one suite; one result per expectation, with readable failures."""
    context = _context()
    gx_suite = _gx_suite(suite)
    source_name = f"tbm_{suite.name}"
    try:
        source = context.data_sources.get(source_name)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(source_name)
        source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all")
    batch = (
        source.get_asset("frame")
        .get_batch_definition("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    label = suite.label_column
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if label and label in frame.columns:
        result_format["unexpected_index_column_names"] = [label]
    outcome = batch.validate(
        gx_suite,
        expectation_parameters={k: float(v) for k, v in parameters.items()},
        result_format=result_format,
    )
    results = []
    for res in outcome.results:
        config = res.expectation_config
        meta = config.meta or {}
        check = meta.get("check", config.type)
        failures = []
        if not res.success:
            column = config.kwargs.get("column")
            limit = _limit(config.kwargs)
            rows = res.result.get("unexpected_index_list") or []
            for row in rows:
                where = f"{_plain(row.get(label))}: " if label and label in row else ""
                observed = _plain(row.get(column))
                failures.append(f"{where}{check}: observed {observed}, limit {limit}")
            if not rows:
                observed = res.result.get("observed_value", res.result.get("unexpected_list"))
                failures.append(f"{check}: observed {observed}, limit {limit}")
        results.append(CheckResult(suite.name, check, bool(res.success), suite.blocking, failures))
    return results

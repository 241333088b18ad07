"""The gate machinery without the pipeline: suites, messages, run history, Data Docs, settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from orchestration.pipeline import gates
from orchestration.pipeline.gates import (
    AUDIT_COLUMNS,
    Suite,
    build_data_docs,
    load_suites,
    record_results,
    step_seconds,
    validate_suite,
)
from orchestration.settings import SETTINGS, THRESHOLDS, Settings

PROJECT = Path(__file__).resolve().parents[1]


def _settings_thresholds() -> dict[str, Decimal]:
    return {name: Decimal(SETTINGS[name][1]) for name in THRESHOLDS}


def _suite(blocking: bool = True, sample: str | None = None) -> Suite:
    meta = {"check": "charges with an unknown ISO 4217 currency code"}
    if sample:
        meta["sample_column"] = sample
    return Suite(
        name="t_currency",
        table="quality.qa_x",
        blocking=blocking,
        label_column="billing_month",
        description="test suite",
        expectations=[
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {
                    "column": "unknown_currency_count",
                    "min_value": 0,
                    "max_value": {"$PARAMETER": "max_currency_errors"},
                },
                "meta": meta,
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {
                    "column": "unallocated_share",
                    "max_value": {"$PARAMETER": "max_unallocated_share"},
                },
                "meta": {"check": "unallocated share of effective cost"},
            },
        ],
    )


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "billing_month": pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"]),
            "unknown_currency_count": [0, 2, 0],
            "unallocated_share": [0.01, 0.02, 0.0712345],
            "sample_charge_id": [None, "abc-12", None],
        }
    )


def test_every_suite_parameter_is_a_setting_with_an_environment_variable_and_a_readme_row():
    readme = (PROJECT / "README.md").read_text()
    suites = load_suites()
    assert {"raw_billing", "raw_billing_volume", "currency", "catalog", "freshness"} <= set(suites)
    used = set().union(*(s.parameters() for s in suites.values()))
    assert used <= set(THRESHOLDS), used - set(THRESHOLDS)
    for name in [*THRESHOLDS, "freshness_as_of"]:
        var, default, _ = SETTINGS[name]
        assert f"`{var}`" in readme, f"README Settings table lacks {var}"
        assert f"`{default}`" in readme


def test_every_suite_names_its_checks_and_a_table_with_a_label():
    for suite in load_suites().values():
        assert suite.label_column, suite.name
        assert all((e.get("meta") or {}).get("check") for e in suite.expectations), suite.name


def test_a_failing_row_names_month_check_observed_value_limit_and_sample():
    validation = validate_suite(_suite(sample="sample_charge_id"), _frame(), _settings_thresholds())
    assert not validation.passed
    currency, share = validation.results
    assert currency.failures == [
        "2026-09-01: charges with an unknown ISO 4217 currency code: observed 2, limit = 0 "
        "(sample_charge_id: abc-12)"
    ]
    assert share.failures == [
        "2026-10-01: unallocated share of effective cost: observed 0.0712345, limit <= 0.05"
    ]
    statuses = [(r.item, r.check[:7], r.status) for r in validation.rows]
    assert statuses == [
        ("2026-08-01", "charges", "pass"),
        ("2026-09-01", "charges", "fail"),
        ("2026-10-01", "charges", "pass"),
        ("2026-08-01", "unalloc", "pass"),
        ("2026-09-01", "unalloc", "pass"),
        ("2026-10-01", "unalloc", "fail"),
    ]
    row = validation.rows[1]
    assert row.billing_month == dt.date(2026, 9, 1)
    assert (row.observed, row.observed_number, row.limit_min, row.limit_max) == (
        "2",
        Decimal("2"),
        Decimal("0"),
        Decimal("0"),
    )


def test_thresholds_come_from_the_settings_and_a_warning_suite_warns():
    relaxed = {**_settings_thresholds(), "max_unallocated_share": Decimal("0.1")}
    validation = validate_suite(_suite(blocking=False), _frame(), relaxed)
    currency, share = validation.results
    assert share.passed and share.status == "pass"
    assert not currency.passed and currency.status == "warn"
    assert {r.status for r in validation.rows} == {"pass", "warn"}


def test_an_empty_table_passes_with_one_row_per_check():
    empty = _frame().iloc[0:0]
    validation = validate_suite(_suite(), empty, _settings_thresholds())
    assert validation.passed
    assert [r.item for r in validation.rows] == [None, None]


def test_results_are_appended_to_the_audit_table_the_mart_presents(tmp_path, open_warehouse):
    con = open_warehouse(tmp_path / "wh.duckdb", read_only=False)
    validation = validate_suite(_suite(), _frame(), _settings_thresholds())
    assert record_results(con, "run-1", validation.rows) == 6
    assert record_results(con, "run-2", validation.rows) == 6
    rows = con.execute(
        "select run_id, status, count(*) from audit.gate_results group by all order by all"
    ).fetchall()
    assert rows == [
        ("run-1", "fail", 2),
        ("run-1", "pass", 4),
        ("run-2", "fail", 2),
        ("run-2", "pass", 4),
    ]
    # the dbt view's contract lists the audit columns (plus is_latest_run)
    models = yaml.safe_load((PROJECT / "models/quality/_quality__models.yml").read_text())["models"]
    (view,) = [model for model in models if model["name"] == "fct_data_quality"]
    contract = [c["name"] for c in view["columns"]]
    assert sorted(contract) == sorted([*AUDIT_COLUMNS, "is_latest_run"])


def test_results_are_inserted_in_chunks_of_many_rows(tmp_path, monkeypatch, open_warehouse):
    monkeypatch.setattr(gates, "_INSERT_ROWS", 4)
    con = open_warehouse(tmp_path / "wh.duckdb", read_only=False)
    validation = validate_suite(_suite(), _frame(), _settings_thresholds())
    assert record_results(con, "run-1", validation.rows) == 6
    stored = con.execute(
        "select suite_name, check_name, checked_item, billing_month, observed_value, "
        "observed_number, threshold, threshold_min, threshold_max, status, is_blocking, message "
        "from audit.gate_results order by check_name, billing_month"
    ).fetchall()
    fields = ("suite", "check", "item", "billing_month", "observed", "observed_number", "limit")
    fields += ("limit_min", "limit_max", "status", "blocking", "message")
    expected = [
        tuple(getattr(r, name) for name in fields)
        for r in sorted(validation.rows, key=lambda r: (r.check, r.billing_month))
    ]
    assert stored == expected


def test_data_docs_show_the_run_s_suites_only(tmp_path):
    docs = tmp_path / "gx_docs"
    first = validate_suite(_suite(), _frame(), _settings_thresholds())
    index = build_data_docs(docs, first, "run-1")
    assert index.exists() and "t_currency" in index.read_text()
    assert len(list((docs / "validations").rglob("*.html"))) == 1
    build_data_docs(docs, first, "run-2")
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 1 and "run-2" in str(pages[0])


def test_step_seconds_adds_up_each_step():
    events = [
        ("a", "STEP_START", 10.0),
        ("b", "STEP_START", 10.5),
        ("a", "STEP_SUCCESS", 12.0),
        ("b", "STEP_FAILURE", 11.0),
        ("c", "STEP_SUCCESS", 13.0),
    ]
    assert step_seconds(events) == {"a": 2.0, "b": 0.5}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("latest", "latest"),
        ("NOW", "now"),
        ("2026-11-01T06:00:00Z", "2026-11-01 06:00:00"),
        ("2026-11-01T08:00:00+02:00", "2026-11-01 06:00:00"),
    ],
)
def test_freshness_as_of_setting(monkeypatch, value, expected):
    monkeypatch.setenv("TBM_FRESHNESS_AS_OF", value)
    assert Settings.from_env().freshness_as_of == expected


def test_a_setting_that_does_not_parse_names_the_variable(monkeypatch):
    monkeypatch.setenv("TBM_FRESHNESS_AS_OF", "yesterday")
    with pytest.raises(ValueError, match="TBM_FRESHNESS_AS_OF"):
        Settings.from_env()
    monkeypatch.delenv("TBM_FRESHNESS_AS_OF")
    monkeypatch.setenv("TBM_MAX_BILLING_AGE_HOURS", "three days")
    with pytest.raises(ValueError, match="TBM_MAX_BILLING_AGE_HOURS"):
        Settings.from_env()

"""The demo's signals and budgets as a user sees them.

- F4 (fct_tbm_signals_daily): the ingest spike the demo company has (orchestration/demo/company/
  telemetry_events.csv: search, the last generated month, days 18-20, ingest x4) is flagged on
  exactly those days, and the flags equal a computation of the rule straight from the landing
  telemetry files (ingest per host against the median of the 28 days before, x2).
- Budgets (fct_budget_vs_actual, orgs/demo/budgets.csv): the amounts are absolute, picked from
  the actuals of the full-size demo (`tbm demo`, 60,000 rows), which is generated here: some
  business units within budget, some over, in a realistic range, and exactly one forecast over
  its budget in the open month.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.demo import PROJECT, demo_paths, tbm

pytestmark = pytest.mark.e2e

COMPANY = PROJECT / "orchestration" / "demo" / "company"
VARS = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]


def _query(published: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).fetchall()


def _ingest_per_host(landing: Path) -> dict[str, dict[dt.date, Decimal]]:
    """Ingest GB per host of each service day with hosts, from the landing telemetry files (a
    service day delivered again in a later file replaces the earlier one)."""
    days: dict[tuple[str, dt.date], dict[str, str]] = {}
    for path in sorted((landing / "telemetry").glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                key = (row["service_id"].strip().lower(), dt.date.fromisoformat(row["usage_date"]))
                days[key] = row
    series: dict[str, dict[dt.date, Decimal]] = {}
    for (service, day), row in days.items():
        ingest, hosts = row.get("observability_ingest_gb"), row.get("hosts")
        if ingest and hosts and Decimal(hosts) > 0:
            series.setdefault(service, {})[day] = Decimal(ingest) / Decimal(hosts)
    return series


def _median(values: list[Decimal]) -> Decimal:
    ordered, n = sorted(values), len(values)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _expected_spikes(landing: Path) -> set[tuple[str, dt.date]]:
    window, minimum = VARS["ingest_baseline_days"], VARS["ingest_min_baseline_days"]
    factor = Decimal(str(VARS["ingest_spike_factor"]))
    flagged = set()
    for service, values in _ingest_per_host(landing).items():
        for day, observed in values.items():
            baseline = [v for d, v in values.items() if day - dt.timedelta(days=window) <= d < day]
            if len(baseline) >= minimum and observed > factor * _median(baseline):
                flagged.add((service, day))
    return flagged


def _spike_event_days(landing: Path) -> set[tuple[str, dt.date]]:
    """The days of the demo company's ingest_spike events (month = index of the generated
    months, oldest 0)."""
    months = sorted(
        {dt.date.fromisoformat(p.stem[-7:] + "-01") for p in (landing / "telemetry").glob("*.csv")}
    )
    with (COMPANY / "telemetry_events.csv").open(newline="") as handle:
        events = [e for e in csv.DictReader(handle) if e["event"] == "ingest_spike"]
    return {
        (e["service"], months[int(e["month"])].replace(day=day))
        for e in events
        for day in range(int(e["first_day"]), int(e["last_day"]) + 1)
    }


def test_ingest_spike_is_flagged_on_exactly_the_spike_days(demo_template):
    landing, published = demo_template["landing"], demo_template["published"]
    events = _spike_event_days(landing)
    assert {service for service, _ in events} == {"search"}
    assert sorted(day.day for _, day in events) == [18, 19, 20]
    newest_month = max(_ingest_per_host(landing)["search"]).replace(day=1)
    assert {day.replace(day=1) for _, day in events} == {newest_month}

    flagged = set(
        _query(
            published,
            "select service_id, signal_date from marts.fct_tbm_signals_daily "
            "where signal_id = 'F4' and is_flagged",
        )
    )
    assert flagged == _expected_spikes(landing) == events
    # each flagged row carries its observed value, baseline and threshold
    for observed, baseline, threshold in _query(
        published,
        "select observed_value, baseline_value, threshold_value "
        "from marts.fct_tbm_signals_daily where is_flagged",
    ):
        assert observed > threshold * baseline > 0


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory) -> dict:
    """The demo at the size `tbm demo` generates (its default rows)."""
    paths = demo_paths(tmp_path_factory.mktemp("full_demo"))
    generated = tbm("generate", "--landing", str(paths["landing"]))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    run = tbm("run", "--landing", str(paths["landing"]), "--warehouse", str(paths["warehouse"]))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return paths


def test_the_demo_budgets_tell_the_story(full_demo):
    with (PROJECT / "orgs" / "demo" / "budgets.csv").open(newline="") as handle:
        budgets = {
            (b["business_unit"], dt.date.fromisoformat(b["budget_month"])): Decimal(
                b["budget_amount"]
            )
            for b in csv.DictReader(handle)
        }
    rows = _query(
        full_demo["published"],
        "select business_unit, billing_month, budget_reporting, actual_effective_cost_reporting, "
        "forecast_effective_cost_reporting, budget_status, forecast_method, as_of_date "
        "from marts.fct_budget_vs_actual where budget_reporting is not null",
    )
    assert {(r[0], r[1]): r[2] for r in rows} == budgets
    (as_of,) = {r[7] for r in rows}
    open_month = (as_of + dt.timedelta(days=1)).replace(day=1)

    complete = [r for r in rows if r[1] < open_month]
    statuses = {r[5] for r in complete}
    assert statuses == {"within_budget", "over_budget"}
    for unit, _month, budget, actual, _, status, _, _ in complete:
        assert (status == "over_budget") == (actual > budget), unit
        # a realistic range: within 25% of the budget either way
        assert Decimal("0.75") * budget < actual < Decimal("1.25") * budget, unit
    assert {r[0] for r in complete if r[5] == "over_budget"} < {r[0] for r in complete}
    assert {r[0] for r in complete if r[5] == "within_budget"} < {r[0] for r in complete}

    # the open month: every budgeted unit forecast from its weekday levels, one over budget
    current = [r for r in rows if r[1] == open_month]
    assert current and {r[6] for r in current} == {"weekday_levels"}
    over = [r for r in current if r[5] == "forecast_over_budget"]
    assert len(over) == 1
    assert over[0][4] > over[0][2] > over[0][3]
    assert {r[5] for r in current} == {"forecast_over_budget", "within_budget"}

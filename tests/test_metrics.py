"""The practice's ten metrics on the demo (marts.fct_tbm_metrics_monthly), checked against what
the landing files say: every metric every month with its target; the CI cost per build from the
telemetry's runner minutes and the CI invoice; the allocation latency from the files' arrival and
the invoices' dates to the publication.

The formulas themselves are unit-tested with hand-computed values beside the models
(models/marts/economics/_economics__unit_tests.yml, models/intermediate/economics/).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.demo import query
from tests.landing_reader import current_snapshot_rows, invoice_lines, largest_remainder

pytestmark = pytest.mark.e2e

METRIC_IDS = [f"M{i}" for i in range(1, 11)]
# the practice's defaults (docs/metrics.md), and the demo company's own target for M10
TARGETS = {
    "M1": (None, "max"),
    "M2": (Decimal(5), "max"),
    "M3": (Decimal(10), "max"),
    "M4": (None, "max"),
    "M5": (Decimal(95), "min"),
    "M6": (Decimal(1), "max"),
    "M7": (None, "max"),
    "M8": (Decimal(24), "max"),
    "M9": (Decimal(70), "min"),
    "M10": (Decimal("0.10"), "max"),
}
HOUR = Decimal(3600)


def _telemetry_by_service_month(landing: Path) -> dict[tuple[str, str], dict[str, Decimal]]:
    sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for path in sorted((landing / "telemetry").glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                key = (row["service_id"], row["usage_date"][:7])
                for column in ("ci_runner_minutes", "ci_builds"):
                    sums[key][column] += Decimal(row[column])
    return sums


def _ci_bills(landing: Path) -> dict[str, Decimal]:
    """The demo's CI bill per month: its GitHub Actions lines (orgs/demo/ci_runner_invoices.csv),
    billed in USD, the reporting currency, each for one month."""
    bills: dict[str, Decimal] = defaultdict(Decimal)
    for line in invoice_lines(landing):
        if (line.vendor_name, line.product) == ("GitHub", "GitHub Actions"):
            assert line.currency == "USD"
            bills[line.service_period_start.isoformat()[:7]] += line.amount
    return bills


def test_every_metric_every_month_with_the_practice_s_targets(demo_template):
    published = demo_template["published"]
    months = {
        str(m)[:7]
        for (m,) in query(
            published,
            "select distinct billing_month from marts.fct_allocated_costs "
            "where source_type = 'cloud'",
        )
    }
    rows = query(
        published,
        "select strftime(billing_month, '%Y-%m'), metric_id, target_value, target_direction, "
        "metric_value, is_target_met, scope_id from marts.fct_tbm_metrics_monthly",
    )
    present = {(month, metric_id) for month, metric_id, *_ in rows}
    assert months and {(m, i) for m in months for i in METRIC_IDS} <= present
    for month, metric_id, target, direction, value, met, scope_id in rows:
        assert (target, direction) == TARGETS[metric_id], (month, metric_id, scope_id)
        if target is None or value is None:
            assert met is None
        elif metric_id == "M3":
            assert met == (abs(value) <= target)
        else:
            assert met == (value <= target if direction == "max" else value >= target)


def test_ci_cost_per_build_prices_the_runner_minutes_and_adds_up_to_the_ci_bill(demo_template):
    landing, published = demo_template["landing"], demo_template["published"]
    telemetry = _telemetry_by_service_month(landing)
    bills = _ci_bills(landing)
    unit_costs = {
        (service, str(month)[:7]): (minutes, cost, builds)
        for service, month, minutes, cost, builds in query(
            published,
            "select service_id, billing_month, ci_runner_minutes, ci_runner_cost_reporting, "
            "ci_build_count from marts.fct_unit_costs",
        )
    }
    m10 = {
        (service, str(month)[:7]): value
        for service, month, value in query(
            published,
            "select scope_id, billing_month, metric_value from marts.fct_tbm_metrics_monthly "
            "where metric_id = 'M10'",
        )
    }
    assert bills and m10
    for month, bill in bills.items():
        minutes = {s: int(v["ci_runner_minutes"]) for (s, m), v in telemetry.items() if m == month}
        parts = largest_remainder(bill, minutes, 2)
        price = bill / sum(minutes.values())
        assert sum(unit_costs[(s, month)][1] for s in minutes) == bill, month
        for service, part in parts.items():
            got_minutes, got_cost, builds = unit_costs[(service, month)]
            assert (got_minutes, got_cost) == (minutes[service], part), (service, month)
            assert builds == telemetry[(service, month)]["ci_builds"]
            # M10 = minutes x price / builds, to the cent of the service's part
            assert (
                abs(m10[(service, month)] - minutes[service] * price / builds)
                <= Decimal("0.01") / builds
            ), (service, month)


def test_allocation_latency_runs_from_availability_to_the_first_publication(
    demo_template, demo_rerun
):
    """After a second run (nothing new loaded), every month's data was first published by the
    first run: its latency is from the newest file's arrival (billing, telemetry) or the newest
    invoice date (invoices) to that publication's time, whatever the second run's time."""
    landing = demo_rerun["landing"]
    ((first_published_at,),) = query(
        demo_template["published"], "select published_at from publication"
    )
    second = demo_rerun["run"]
    assert second.returncode == 0, second.stdout + second.stderr

    def mtime(rel: str) -> datetime:
        stamp = (landing / rel).stat().st_mtime
        return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)

    available: dict[tuple[str, str], datetime] = {}

    def offer(source: str, month: str, when: datetime) -> None:
        available[(source, month)] = max(available.get((source, month), when), when)

    for record in current_snapshot_rows(landing)[0]:
        offer("billing", record.values["BillingPeriodStart"][:7], mtime(record.path))
    for path in sorted((landing / "telemetry").glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                offer("telemetry", row["usage_date"][:7], mtime(path.relative_to(landing)))
    for path in sorted((landing / "invoices").glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                issued = datetime.combine(
                    date.fromisoformat(row["invoice_date"]), datetime.min.time()
                )
                offer("invoices", row["service_period_start"][:7], issued)

    latency = {
        (source, str(month)[:7]): hours
        for source, month, hours in query(
            demo_rerun["published"],
            "select scope_id, billing_month, metric_value from marts.fct_tbm_metrics_monthly "
            "where metric_id = 'M8'",
        )
    }
    assert set(latency) == set(available)
    for key, when in available.items():
        seconds = Decimal(str((first_published_at - when).total_seconds()))
        # whole seconds on the model's side (second boundaries crossed)
        assert abs(latency[key] * HOUR - seconds) <= 1, (key, latency[key], seconds / HOUR)

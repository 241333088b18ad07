"""`tbm report` (orchestration/commands/report.py): offline HTML with inline SVG and CSV tables."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.commands.report import bar_chart_svg, write_report
from tests.demo import open_warehouse


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "tbm.published.duckdb"
    con = open_warehouse(path, read_only=False)
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_month_end_reconciliation as select * from (values "
        "('Microsoft', 'azure-ba-7788', 'G026097788A', 'EUR', 112.34::decimal(38, 12), "
        "100.00::decimal(38, 12), 100.00::decimal(38, 12), 12.34::decimal(38, 12), "
        "0.01::decimal(38, 12), 'mismatch', date '2026-09-01'), "
        "('AWS', 'aws-payer-001', '82609001734', 'USD', 5::decimal(38, 12), "
        "5::decimal(38, 12), 5::decimal(38, 12), 0::decimal(38, 12), 0.01::decimal(38, 12), "
        "'matched', date '2026-09-01')) as t(provider_name, billing_account_id, invoice_id, "
        "billing_currency, invoice_total_billing, billed_cost_rounded_billing, "
        "allocated_cost_billing, invoice_delta_billing, tolerance_billing, "
        "reconciliation_status, billing_month)"
    )
    con.execute(
        "alter table marts.fct_month_end_reconciliation "
        "add column invoice_total_reporting decimal(38, 12)"
    )
    con.execute(
        "alter table marts.fct_month_end_reconciliation "
        "add column billed_cost_reporting decimal(38, 12)"
    )
    con.execute(
        "create table marts.fct_allocated_costs as select * from (values "
        "('checkout', 'Checkout <web>', 10.5::decimal(38, 12), 9::decimal(38, 12), "
        "date '2026-09-01'), ('search', 'Search', 3::decimal(38, 12), 3::decimal(38, 12), "
        "date '2026-09-01'), ('search', 'Search', 99::decimal(38, 12), 99::decimal(38, 12), "
        "date '2026-10-01')) as t(service_id, service_name, billed_cost_reporting, "
        "effective_cost_reporting, billing_month)"
    )
    con.execute(
        "create table marts.fct_tbm_metrics_monthly as select * from (values "
        "(date '2026-08-01', 'unallocated_cost_percent', 'total', 2.5::decimal(38, 12), "
        "2::decimal(38, 12), 80::decimal(38, 12)), "
        "(date '2026-08-01', 'cost_variance_percent', 'total', null, null, null), "
        "(date '2026-09-01', 'unallocated_cost_percent', 'total', 4.166666666667::decimal(38, 12), "
        "5::decimal(38, 12), 120::decimal(38, 12)), "
        "(date '2026-09-01', 'cost_variance_percent', 'total', 50::decimal(38, 12), "
        "40::decimal(38, 12), 80::decimal(38, 12)), "
        "(date '2026-09-01', 'unallocated_cost_percent', 'service', 1::decimal(38, 12), "
        "1::decimal(38, 12), 1::decimal(38, 12)), "
        "(date '2026-10-01', 'unallocated_cost_percent', 'total', 1::decimal(38, 12), "
        "1::decimal(38, 12), 100::decimal(38, 12))) as t(billing_month, metric_name, "
        "scope_type, metric_value, numerator_value, denominator_value)"
    )
    con.close()
    return path


def test_report_writes_offline_html_with_svg_charts_and_exact_csv(source, tmp_path):
    out = tmp_path / "out"
    written = write_report(source, date(2026, 9, 1), out)
    assert sorted(p.name for p in written) == [
        "cost_by_service-2026-09.csv",
        "reconciliation-2026-09.csv",
        "report-2026-09.html",
        "trend-2026-09.csv",
    ]
    page = (out / "report-2026-09.html").read_text()
    assert "<svg" in page and "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched from a network
    assert "Checkout &lt;web&gt;" in page  # escaped
    assert 'class="mismatch"' in page
    with (out / "reconciliation-2026-09.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [
        (r["invoice_id"], r["invoice_delta_billing"], r["reconciliation_status"]) for r in rows
    ] == [
        ("82609001734", "0.000000000000", "matched"),
        ("G026097788A", "12.340000000000", "mismatch"),
    ]
    with (out / "cost_by_service-2026-09.csv").open() as handle:
        services = list(csv.DictReader(handle))
    assert [(r["service_id"], Decimal(r["effective_cost_reporting"])) for r in services] == [
        ("checkout", Decimal(9)),
        ("search", Decimal(3)),
    ]
    # the company's metrics of the twelve months up to the report's month, one row a month
    # (scope `total` only; a month without metrics has empty values)
    with (out / "trend-2026-09.csv").open() as handle:
        trend = list(csv.DictReader(handle))
    assert [
        (
            r["billing_month"],
            r["effective_cost_reporting"],
            r["change_vs_previous_month_reporting"],
            r["unallocated_effective_cost_reporting"],
            r["unallocated_percent"],
        )
        for r in trend
    ] == [
        *[(f"2025-{m:02d}", "", "", "", "") for m in (10, 11, 12)],
        *[(f"2026-{m:02d}", "", "", "", "") for m in range(1, 8)],
        ("2026-08", "80.000000000000", "", "2.000000000000", "2.50"),
        ("2026-09", "120.000000000000", "40.000000000000", "5.000000000000", "4.17"),
    ]


def test_bar_chart_scales_to_the_largest_value_and_draws_negatives_empty():
    svg = bar_chart_svg(["a", "b", "c"], [Decimal(10), Decimal(5), Decimal(-1)], width=390)
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert widths[0] > 0 and widths[1] == widths[0] / 2 and widths[2] == 0.0


def test_bar_chart_makes_room_for_its_longest_label_and_marks_missing_values():
    short = bar_chart_svg(["a"], [Decimal(1)])
    long = bar_chart_svg(["Engineering Productivity / CC-4200", "b"], [Decimal(1), None])
    x_short = float(re.search(r'<rect x="([0-9.]+)"', short).group(1))
    x_long = float(re.search(r'<rect x="([0-9.]+)"', long).group(1))
    assert x_long > x_short  # the bars start after a wider label column
    assert "no data" in long and "no data" not in short

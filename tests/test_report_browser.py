"""The month-end report in a real browser: Debian's chromium, headless.

`bash scripts/dev test` installs the `chromium` package when /usr/bin/chromium is missing and it
runs as root with apt; elsewhere these tests skip and say so. Each browser run gets a new, empty
profile folder and no network features (no sync, no component updates, no QUIC, no background
requests): the report must render from the file alone.

What is checked, on the page as the browser built it (`--dump-dom`, not the file we wrote): the
charts are there (a figure per chart with one bar per row), no console message at all (the page
has no scripts, so any message is a failed resource or a blocked request; a control page shows
that console capture works), a screenshot is taken (a PNG with content), and each table's total
row equals the sum of the mart it comes from, computed here with SQL on the source file.
"""

from __future__ import annotations

import html
import json
import re
import struct
import subprocess
import zlib
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.commands.report import write_report
from tests.demo import open_warehouse
from tests.tools import CHROMIUM, require_chromium

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def chromium_installed() -> None:
    require_chromium()


FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
)
MONTH = date(2026, 9, 1)
SERVICES = 40


def chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class Dom(HTMLParser):
    """Charts (figure.chart -> bars) and table totals (table id -> column -> exact value)."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, int] = {}
        self.totals: dict[str, dict[str, str]] = {}
        self._chart: str | None = None
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "figure" and "chart" in (attributes.get("class") or ""):
            self._chart = attributes["data-chart"]
            self.charts[self._chart] = 0
        elif tag == "rect" and self._chart:
            self.charts[self._chart] += 1
        elif tag == "table":
            self._table = attributes.get("id")
        elif tag == "td" and self._table and "data-value" in attributes:
            column, value = attributes["data-column"], attributes["data-value"]
            self.totals.setdefault(self._table, {})[column] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._chart = None
        elif tag == "table":
            self._table = None


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A published file with the marts the report reads: 40 services and 8 business units over
    three months, amounts with 12 decimals and a negative credit, two invoices, the monthly
    metrics of the whole company."""
    path = tmp_path_factory.mktemp("report_source") / "tbm.published.duckdb"
    con = open_warehouse(path, read_only=False)
    con.execute("create schema marts")
    con.execute(
        f"""
        create table marts.fct_allocated_costs as
        select
            case when i = 0 then 'unallocated' else 'svc-' || lpad(cast(i as varchar), 2, '0')
            end as service_id,
            'Service <' || i || '>' as service_name,
            cast(m as date) as billing_month,
            cast((i * 37.123456789012 + month(m)) * (case when i = 7 then -1 else 1 end)
                as decimal(38, 12)) as billed_cost_reporting,
            cast(i * 35.000000000007 + month(m) / 3 as decimal(38, 12))
                as effective_cost_reporting
        from range(0, {SERVICES}) as services(i)
        cross join (values (date '2026-08-01'), (date '2026-09-01'), (date '2026-10-01'))
            as months(m)
        """
    )
    con.execute(
        """
        create table marts.fct_showback_monthly as
        select
            billing_month,
            -- long names, as real business units have ("Engineering Productivity / CC-4200")
            'Engineering Productivity and Platforms ' || (hash(service_id) % 8) as business_unit,
            'cc-' || (hash(service_id) % 8) as cost_center,
            sum(billed_cost_reporting) as billed_cost_reporting,
            sum(effective_cost_reporting) as effective_cost_reporting
        from marts.fct_allocated_costs
        group by all
        """
    )
    con.execute(
        """
        create table marts.fct_tbm_metrics_monthly as
        with monthly as (
            select
                billing_month,
                sum(effective_cost_reporting) as cost,
                sum(effective_cost_reporting) filter (where service_id = 'unallocated')
                    as unallocated
            from marts.fct_allocated_costs
            group by billing_month
        )
        select
            billing_month,
            'unallocated_cost_percent' as metric_name,
            'total' as scope_type,
            cast(100 * unallocated / cost as decimal(38, 12)) as metric_value,
            unallocated as numerator_value,
            cost as denominator_value
        from monthly
        union all
        select
            billing_month,
            'cost_variance_percent',
            'total',
            null,
            cost - lag(cost) over (order by billing_month),
            lag(cost) over (order by billing_month)
        from monthly
        """
    )
    con.execute(
        "create table marts.fct_month_end_reconciliation as select * from (values "
        "('Microsoft', 'azure-ba-7788', 'G026097788A', 'EUR', 112.34::decimal(38, 12), "
        "100.00::decimal(38, 12), 100.00::decimal(38, 12), 12.34::decimal(38, 12), "
        "0.01::decimal(38, 12), 'mismatch', date '2026-09-01', 131.210734::decimal(38, 12), "
        "116.797654321987::decimal(38, 12)), "
        "('AWS', 'aws-payer-001', '82609001734', 'USD', 5000.125::decimal(38, 12), "
        "5000.125::decimal(38, 12), 5000.125::decimal(38, 12), 0::decimal(38, 12), "
        "0.01::decimal(38, 12), 'matched', date '2026-09-01', 5000.125::decimal(38, 12), "
        "5000.125::decimal(38, 12))) as t(provider_name, "
        "billing_account_id, invoice_id, billing_currency, invoice_total_billing, "
        "billed_cost_rounded_billing, allocated_cost_billing, invoice_delta_billing, "
        "tolerance_billing, reconciliation_status, billing_month, invoice_total_reporting, "
        "billed_cost_reporting)"
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def rendered(source, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("report_browser")
    write_report(source, MONTH, tmp / "out")
    url = (tmp / "out" / "report-2026-09.html").as_uri()
    dump = chromium(tmp, url, "--dump-dom")
    shot = tmp / "report.png"
    screenshot = chromium(tmp, url, f"--screenshot={shot}", "--window-size=1280,2400")
    dom = Dom()
    dom.feed(dump.stdout)
    return {"dom": dom, "dump": dump, "screenshot": screenshot, "shot": shot, "tmp": tmp}


def test_console_capture_sees_a_console_error(tmp_path):
    """Control: the way the report is checked does see a console message when there is one."""
    page = tmp_path / "control.html"
    page.write_text("<!doctype html><title>c</title><script>console.error('control')</script>")
    result = chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert any('"control"' in line for line in console_messages(result.stderr)), result.stderr


def test_the_report_renders_without_console_messages(rendered):
    for run in (rendered["dump"], rendered["screenshot"]):
        assert console_messages(run.stderr) == [], run.stderr[-3000:]
    assert "<h1>TBM close pack 2026-09</h1>" in rendered["dump"].stdout


def test_the_charts_are_in_the_rendered_dom(rendered):
    assert rendered["dom"].charts == {
        "cost_by_service:effective_cost_reporting": 15,  # the 15 largest services
        "showback:effective_cost_reporting": 8,  # every business unit
        # the twelve months up to September (July 2026 and before: no data), not October
        "trend:effective_cost_reporting": 12,
        "trend:unallocated_percent": 12,
        "reconciliation:status": 2,  # matched, mismatch
    }


def test_the_trend_shows_the_twelve_months_up_to_the_report_month(rendered):
    figure = re.search(
        r'<figure class="chart" data-chart="trend:effective_cost_reporting">(.*?)</figure>',
        rendered["dump"].stdout,
        re.S,
    ).group(1)
    labels = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', figure)
    months = [f"{2025 + (m > 0)}-{(m - 1) % 12 + 1:02d}" for m in range(-2, 10)]
    assert labels == months  # 2025-10 ... 2026-09
    assert figure.count("no data") == 10  # the fixture's metrics start in August 2026


def test_titles_and_headings_are_words_not_column_names(rendered):
    shown = rendered["dump"].stdout
    headings = re.findall(r"<h2>(.*?)</h2>", shown) + re.findall(r"<th[^>]*>(.*?)</th>", shown)
    assert headings
    assert [h for h in headings if "_" in h] == []
    assert "Effective cost by service, largest 15" in shown


def test_the_reconciliation_total_row_is_filled(rendered):
    table = re.search(r'<table id="reconciliation">(.*?)</table>', rendered["dump"].stdout, re.S)
    cells = re.findall(
        r"<td[^>]*>(.*?)</td>", re.search(r"<tfoot>(.*?)</tfoot>", table.group(1), re.S).group(1)
    )
    # the fixture: an AWS invoice of 5,000.125 USD (matched) and a Microsoft one of 112.34 EUR
    # (mismatch, billing 100.00)
    assert cells[0] == "Total (2 rows)"
    assert cells[3] == "1 matched, 1 mismatch"
    assert cells[4] == "5,131.34"  # 131.210734 + 5000.125 in the reporting currency
    assert cells[7] == "EUR 112.34<br>USD 5,000.12"  # invoice totals per billing currency
    assert cells[10] == "EUR 12.34<br>USD 0.00"


LABEL_CHECK = """<script>
const cut = [];
let measured = 0;
for (const text of document.querySelectorAll('svg text[text-anchor="end"]')) {
  measured += 1;
  const box = text.getBBox();
  if (box.x < 0) cut.push(text.textContent);
}
document.body.setAttribute('data-measured', measured);
document.body.setAttribute('data-cut', JSON.stringify(cut));
</script>"""


def measure_labels(tmp: Path, page: str) -> tuple[int, list[str]]:
    """Chromium's own layout of each chart label: how many there are, and those that start
    left of their chart (cut off)."""
    probe = tmp / f"probe-{len(list(tmp.glob('probe-*')))}.html"
    probe.write_text(page.replace("</body>", LABEL_CHECK + "</body>"), encoding="utf-8")
    dump = chromium(tmp, probe.as_uri(), "--dump-dom").stdout
    measured = int(re.search(r'data-measured="([0-9]+)"', dump).group(1))
    cut = json.loads(html.unescape(re.search(r'data-cut="([^"]*)"', dump).group(1)))
    return measured, cut


def test_label_measurement_sees_a_cut_label(tmp_path):
    """Control: a label anchored too close to the left edge is found cut."""
    page = (
        '<!doctype html><html><body><svg width="300" height="30"><text x="20" y="15" '
        'text-anchor="end" font-size="12">Engineering Productivity</text></svg></body></html>'
    )
    assert measure_labels(tmp_path, page) == (1, ["Engineering Productivity"])


def test_no_chart_label_is_cut(rendered):
    page = (rendered["tmp"] / "out" / "report-2026-09.html").read_text(encoding="utf-8")
    measured, cut = measure_labels(rendered["tmp"], page)
    assert measured == 15 + 8 + 12 + 12 + 2
    assert cut == []


def test_a_screenshot_is_taken_and_shows_something(rendered):
    data = rendered["shot"].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2400)
    # the image is not one flat colour: its decompressed scanlines hold many byte values
    idat = b"".join(
        data[m.end() : m.end() + struct.unpack(">I", data[m.start() - 4 : m.start()])[0]]
        for m in re.finditer(b"IDAT", data)
    )
    assert len(set(zlib.decompress(idat))) > 16
    assert len(data) > 20_000


def test_the_rendered_totals_equal_the_marts(rendered, source):
    with open_warehouse(source) as con:
        expected = {
            "cost_by_service": con.execute(
                "select sum(billed_cost_reporting), sum(effective_cost_reporting) "
                "from marts.fct_allocated_costs where billing_month = ?",
                [MONTH],
            ).fetchone(),
            "showback": con.execute(
                "select sum(billed_cost_reporting), sum(effective_cost_reporting) "
                "from marts.fct_showback_monthly where billing_month = ?",
                [MONTH],
            ).fetchone(),
            "reconciliation": con.execute(
                "select sum(invoice_total_reporting), sum(billed_cost_reporting) "
                "from marts.fct_month_end_reconciliation where billing_month = ?",
                [MONTH],
            ).fetchone(),
        }
    totals = rendered["dom"].totals
    assert {
        "cost_by_service": (
            Decimal(totals["cost_by_service"]["billed_cost_reporting"]),
            Decimal(totals["cost_by_service"]["effective_cost_reporting"]),
        ),
        "showback": (
            Decimal(totals["showback"]["billed_cost_reporting"]),
            Decimal(totals["showback"]["effective_cost_reporting"]),
        ),
        "reconciliation": tuple(
            Decimal(totals["reconciliation"][column])
            for column in ("invoice_total_reporting", "billed_cost_reporting")
        ),
    } == expected
    # the figures a reader sees are the same totals, rounded to cents
    shown = rendered["dump"].stdout
    assert f"{expected['cost_by_service'][1]:,.2f}" in shown

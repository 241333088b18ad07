"""The three dashboards in Apache Superset, served by `tbm dashboards serve` over the demo's
publication, checked through Superset's API and in headless Chromium.

One Superset per module (its start-up, metadata and import, is most of a minute): it serves a
copy of the demo's published file, so the last test can publish a new one over it. Skips, with
the reason, without the Superset environment (`bash scripts/superset-env`) or without
/usr/bin/chromium (the browser tests only).

Expected values come from SQL on the published marts, computed here; the headline of the
executive dashboard is compared as the browser shows it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.demo import PROJECT, open_warehouse, start_tbm
from tests.tools import CHROMIUM, require_chromium, require_installed

SUPERSET = PROJECT / ".venv-superset" / "bin" / "gunicorn"
EXPORT = PROJECT / "dashboards" / "export"
DASHBOARDS = {"executive": "Executive", "on-call": "On-call", "debug": "Debug"}
# The debug dashboard's two container marts come with the container telemetry extracts; where a
# publication does not have them yet, their charts are reported as skipped, not checked.
CENT = Decimal("0.01")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def superset_installed() -> None:
    require_installed(
        SUPERSET,
        "no Superset environment (.venv-superset): `bash scripts/superset-env` installs it "
        "(`bash scripts/dev test` does)",
    )


def export_charts() -> dict[str, dict]:
    """Chart name -> its export (with the dataset's table under `table`)."""
    datasets = {
        d["uuid"]: d["table_name"]
        for d in (yaml.safe_load(p.read_text()) for p in EXPORT.glob("datasets/*/*.yaml"))
    }
    charts = {}
    for path in EXPORT.glob("charts/*.yaml"):
        chart = yaml.safe_load(path.read_text())
        charts[chart["slice_name"]] = {**chart, "table": datasets[chart["dataset_uuid"]]}
    return charts


def dashboard_charts(slug: str) -> list[str]:
    dashboard = yaml.safe_load((EXPORT / "dashboards" / f"{slug}.yaml").read_text())
    return [n["meta"]["sliceName"] for n in dashboard["position"].values() if _is_chart(n)]


def _is_chart(node) -> bool:
    return isinstance(node, dict) and node.get("type") == "CHART"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base: str, password: str):
        self.base = base
        self.token = self.call(
            "/api/v1/security/login",
            {"username": "admin", "password": password, "provider": "db", "refresh": False},
        )[1]["access_token"]

    def call(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"} if body else {}
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def chart_ids(self) -> dict[str, int]:
        status, body = self.call("/api/v1/chart/?q=(page_size:100)")
        assert status == 200, body
        return {c["slice_name"]: c["id"] for c in body["result"]}

    def chart_data(self, chart_id: int) -> tuple[int, dict]:
        return self.call(f"/api/v1/chart/{chart_id}/data/")


@pytest.fixture(scope="module")
def served(demo_template, tmp_path_factory):
    """`tbm dashboards serve` on a free port over a copy of the demo's published file."""
    folder = tmp_path_factory.mktemp("dashboards")
    warehouse = folder / "wh" / "tbm.duckdb"
    warehouse.parent.mkdir()
    published = warehouse.with_name("tbm.published.duckdb")
    shutil.copyfile(demo_template["published"], published)
    port = free_port()
    log = (folder / "serve.log").open("w")
    started = time.monotonic()
    process = start_tbm(
        "dashboards", "serve", "--port", str(port), "--warehouse", str(warehouse),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() - started > 300:
                log.flush()
                pytest.fail(f"the server did not start:\n{(folder / 'serve.log').read_text()}")
            time.sleep(1)
        home = warehouse.parent / "superset"
        yield {
            "base": base,
            "home": home,
            "published": published,
            "api": Api(base, (home / "admin_password").read_text().strip()),
            "startup_seconds": time.monotonic() - started,
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def current_month(published: Path):
    """The dashboards' current month, from the marts: the latest month with daily charges
    (later months hold scheduled amortization only)."""
    with open_warehouse(published) as con:
        days = con.execute("select cost_month from marts.fct_cost_by_service_daily").fetchall()
    return max(m for (m,) in days)


def current_month_total(published: Path) -> Decimal:
    """The executive headline from the marts: the allocated cost of the current month."""
    month = current_month(published)
    with open_warehouse(published) as con:
        rows = con.execute(
            "select billing_month, effective_cost_reporting from marts.fct_allocated_costs"
        ).fetchall()
    return sum((cost for m, cost in rows if m == month), Decimal(0))


def test_the_admin_password_is_generated_and_private(served):
    password_file = served["home"] / "admin_password"
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    assert len(password_file.read_text().strip()) >= 24
    # the password logs in; a wrong one does not
    assert Api(served["base"], password_file.read_text().strip()).token
    status, _ = served["api"].call(
        "/api/v1/security/login", {"username": "admin", "password": "wrong", "provider": "db"}
    )
    assert status == 401


def test_three_dashboards_with_their_titles(served):
    status, body = served["api"].call("/api/v1/dashboard/?q=(page_size:100)")
    assert status == 200, body
    titles = sorted(d["dashboard_title"] for d in body["result"])
    assert [t.split(":")[0] for t in titles] == ["Debug", "Executive", "On-call"]


def test_every_chart_answers_the_chart_data_api(served, record_property):
    api, charts = served["api"], export_charts()
    ids = api.chart_ids()
    assert set(ids) == set(charts)
    failures, rows = {}, {}
    for name, chart_id in ids.items():
        status, body = api.chart_data(chart_id)
        if status != 200 or any(r.get("error") for r in body["result"]):
            failures[name] = (status, body)
            continue
        rows[name] = body["result"][0]["rowcount"]
    assert failures == {}
    # every chart that reads a mart with rows shows rows
    assert all(count > 0 for count in rows.values()), rows
    record_property("superset start-up seconds", round(served["startup_seconds"], 1))
    record_property("charts checked", len(rows))


def test_charts_read_published_marts_only(served):
    with open_warehouse(served["published"]) as con:
        marts = {
            t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }  # fmt: skip
    for path in EXPORT.glob("datasets/*/*.yaml"):
        dataset = yaml.safe_load(path.read_text())
        assert dataset["schema"] == "marts" and dataset["sql"] is None, path
        assert dataset["table_name"] in marts, path


def test_the_executive_total_equals_the_marts(served):
    api = served["api"]
    status, body = api.chart_data(api.chart_ids()["Total technology spend, current month"])
    assert status == 200, body
    [row] = body["result"][0]["data"]
    shown = Decimal(str(row["total_effective_cost"])).quantize(CENT)
    assert shown == current_month_total(served["published"]).quantize(CENT)


def test_spend_by_business_unit_equals_the_allocated_costs(served):
    """The chart shows the showback mart; its business units add up from the allocation
    (where the unallocated bucket has no business unit and the showback says `unallocated`)."""
    api = served["api"]
    status, body = api.chart_data(api.chart_ids()["Spend by business unit, current month"])
    assert status == 200, body
    shown = {
        r["business_unit"]: Decimal(str(r["total_effective_cost"])).quantize(CENT)
        for r in body["result"][0]["data"]
    }
    month = current_month(served["published"])
    with open_warehouse(served["published"]) as con:
        rows = con.execute(
            "select business_unit, effective_cost_reporting from marts.fct_allocated_costs "
            "where billing_month = ?",
            [month],
        ).fetchall()
    expected: dict[str, Decimal] = {}
    for business_unit, cost in rows:
        key = business_unit or "unallocated"
        expected[key] = expected.get(key, Decimal(0)) + cost
    assert shown == {k: v.quantize(CENT) for k, v in expected.items()}


@pytest.fixture(scope="module")
def browser(served, tmp_path_factory):
    """Headless Chromium, logged in through Superset's login page as a person does: again if
    the page comes back. (Leaving the login page, Superset's front end posts its event log; that
    request, still anonymous, is answered by a redirect whose new anonymous session cookie can
    arrive after the login's, and the welcome page then sends the browser back to log in.)"""
    require_chromium()
    from tests.cdp import Browser

    password = (served["home"] / "admin_password").read_text().strip()
    chromium = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium") / "profile")
    try:
        for attempt in range(1, 4):
            chromium.navigate(served["base"] + "/login/")
            if not chromium.evaluate("location.pathname.startsWith('/login')"):
                break  # the last attempt's login went through after all: Superset sent us on
            chromium.wait_for("!!document.querySelector('[data-test=login-button]')")
            chromium.type_into("#username", "admin")
            chromium.type_into("#password", password)
            chromium.evaluate("document.querySelector('[data-test=login-button]').click()")
            try:
                chromium.wait_for("!location.pathname.startsWith('/login')", timeout=30)
                break
            except TimeoutError:
                if attempt == 3:
                    raise
        yield chromium
    finally:
        chromium.close()


# Each chart of a dashboard (Superset's chart-grid-component): its name, the text of its error
# (Superset's red alert) if any, whether its drawing is there (the canvas of an ECharts chart,
# the table of a table, the figure of a big number), and whether it still shows the spinner.
CHART_STATES = """
[...document.querySelectorAll('[data-test="chart-grid-component"]')].map(c => ({
    title: c.dataset.testChartName,
    error: (c.querySelector('.ant-alert-error') || {}).textContent || null,
    rendered: !!c.querySelector(
        '.slice_container canvas, .slice_container svg, .slice_container table, '
        + '.slice_container .header-line'),
    loading: !!c.querySelector('.loading, [aria-label="Loading"]'),
}))
"""


def chart_states(browser, base: str, slug: str, count: int) -> list[dict]:
    """Open dashboard SLUG and wait until its COUNT charts have each drawn or shown an error."""
    browser.navigate(f"{base}/superset/dashboard/{slug}/")
    return browser.wait_for(
        f"""(() => {{
            const states = {CHART_STATES};
            const done = states.length === {count}
                && states.every(s => !s.loading && (s.error || s.rendered));
            return done ? states : null;
        }})()""",
        timeout=120,
    )


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_the_dashboard_renders_every_chart_in_chromium(served, browser, slug, tmp_path):
    expected = dashboard_charts(slug)
    states = chart_states(browser, served["base"], slug, len(expected))
    text = browser.evaluate("document.body.innerText")
    assert any(line.strip().startswith(DASHBOARDS[slug]) for line in text.splitlines())
    assert sorted(s["title"] for s in states) == sorted(expected)
    errors = {s["title"]: s["error"] for s in states if s["error"]}
    assert errors == {}
    shots = Path(os.environ.get("TBM_DASHBOARD_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    browser.screenshot_full(shots / f"{slug}.png")
    assert (shots / f"{slug}.png").stat().st_size > 20_000
    if slug == "executive":
        total = current_month_total(served["published"])
        assert f"{total.quantize(CENT):,.2f}" in text


def test_a_new_publication_shows_without_a_restart(served):
    """Publish as publish.py does (a new file renamed over the old one) with 100.00 more in the
    current month: the next chart query shows it."""
    api, published = served["api"], served["published"]
    chart_id = api.chart_ids()["Total technology spend, current month"]
    before = current_month_total(published)
    new = published.with_name(".tbm.published.duckdb.test.tmp")
    shutil.copyfile(published, new)
    with open_warehouse(new, read_only=False) as con:
        con.execute(
            "insert into marts.fct_allocated_costs by name select * replace "
            "(cast(100.00 as decimal(38, 12)) as effective_cost_reporting) "
            "from marts.fct_allocated_costs where billing_month = "
            "(select max(cost_month) from marts.fct_cost_by_service_daily) limit 1"
        )
    os.replace(new, published)
    status, body = api.chart_data(chart_id)
    assert status == 200, body
    [row] = body["result"][0]["data"]
    shown = Decimal(str(row["total_effective_cost"])).quantize(CENT)
    assert shown == (before + Decimal("100.00")).quantize(CENT)
    assert current_month_total(published) == before + Decimal("100.00")


def test_a_chart_whose_table_is_gone_shows_its_error(served, browser):
    """The negative control of the rendering check: with one mart of the debug dashboard renamed
    away in the published file, the check above sees an error on exactly the charts that read
    it, and on no other."""
    charts = export_charts()
    debug = dashboard_charts("debug")
    table = charts[debug[0]]["table"]
    reading = sorted(name for name in debug if charts[name]["table"] == table)
    published = served["published"]
    kept = published.with_name("kept.duckdb")
    shutil.copyfile(published, kept)
    broken = published.with_name(".tbm.published.duckdb.broken.tmp")
    shutil.copyfile(published, broken)
    with open_warehouse(broken, read_only=False) as con:
        con.execute(f"alter table marts.{table} rename to {table}_gone")
    os.replace(broken, published)
    try:
        states = chart_states(browser, served["base"], "debug", len(debug))
    finally:
        os.replace(kept, published)
    assert sorted(s["title"] for s in states if s["error"]) == reading

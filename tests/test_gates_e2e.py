"""Each gate, end to end through `tbm run`: data that breaks it fails the run with exit code 3,
names the month (or file, account) and the values, and leaves the published file as it was; a
green run publishes atomically, with its gate results, while a reader keeps reading.

Economy: one good run (module scope); every other case copies its warehouse, published file and
landing folder, adds the smallest input that breaks a gate, and the cases run at once (`broken`
below). The landing-file breaks of the allocation, currency and freshness gates share one run:
each is a new billing account of its own (no delivery is superseded), each gate names its own
month and values, and the other gates pass on it. The catalog break needs a copy of the project
(the catalog is a seed), and the reader's run must publish, so they run beside it: the module
takes about as long as three runs.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.demo import write_focus_rows
from tests.demo import HUNG, PROJECT, copy_demo, query, start_tbm

pytestmark = pytest.mark.e2e
EXIT_OK, EXIT_GATE_FAILED = 0, 3

# A minimal valid FOCUS 1.2 charge of a new AWS billing account (so that no snapshot is
# superseded), on the last day of October 2026, the demo's newest day.
CHARGE = {
    "BilledCost": "120.00",
    "EffectiveCost": "120.00",
    "ListCost": "120.00",
    "ContractedCost": "120.00",
    "ContractedUnitPrice": "5",
    "ListUnitPrice": "5",
    "BillingAccountName": "gate test account",
    "BillingAccountType": "Management Account",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-10-01T00:00:00Z",
    "BillingPeriodEnd": "2026-11-01T00:00:00Z",
    "ChargePeriodStart": "2026-10-31T00:00:00Z",
    "ChargePeriodEnd": "2026-11-01T00:00:00Z",
    "ChargeCategory": "Usage",
    "ChargeDescription": "m5.large on demand",
    "ChargeFrequency": "Usage-Based",
    "InvoiceIssuerName": "AWS",
    "ProviderName": "AWS",
    "PublisherName": "AWS",
    "PricingCategory": "Standard",
    "PricingCurrency": "USD",
    "PricingCurrencyEffectiveCost": "120.00",
    "PricingCurrencyListUnitPrice": "5",
    "PricingCurrencyContractedUnitPrice": "5",
    "PricingQuantity": "24",
    "PricingUnit": "Hours",
    "ConsumedQuantity": "24",
    "ConsumedUnit": "Hours",
    "ServiceCategory": "Compute",
    "ServiceSubcategory": "Virtual Machines",
    "ServiceName": "Amazon EC2",
    "SkuId": "m5.large",
    "SubAccountName": "gate test",
    "SubAccountType": "Member Account",
    "Tags": '{"application":"checkout"}',
}


def published_state(published: Path) -> tuple:
    return (
        query(published, "select run_id from publication"),
        query(published, "select * from marts.fct_cost_by_service_monthly order by all"),
    )


def total_cost(published: Path) -> str:
    return query(
        published,
        "select cast(sum(effective_cost_billing) as varchar) "
        "from marts.fct_cost_by_service_monthly",
    )[0][0]


def charge(account: str, **changes: str) -> dict[str, str]:
    return {**CHARGE, "BillingAccountId": account, "SubAccountId": f"{account}-sub", **changes}


@pytest.fixture(scope="module")
def good(demo_template, tmp_path_factory) -> dict:
    return copy_demo(demo_template, tmp_path_factory.mktemp("gates"))


def _copy_case(good: dict, name: str) -> dict:
    case = copy_demo(good, good["root"] / name)
    return {**case, "dir": case["root"]}


def _untagged_month(case: dict) -> None:
    row = charge(
        "aws-gate-untagged",
        BilledCost="60000",
        EffectiveCost="60000",
        ListCost="60000",
        ContractedCost="60000",
        PricingCurrencyEffectiveCost="60000",
        Tags="{}",
    )
    write_focus_rows(case["landing"] / "billing/gate/untagged.csv", [row], "1.2")


def _currency_errors(case: dict) -> None:
    """Two currency errors in two months: an unknown code (October) and, in September, a real
    ISO 4217 code without an FX rate (AED: neither the ECB nor the demo's treasury file quotes
    it; the account also bills in October, so it is not a stale extract)."""
    unknown = charge("aws-gate-xyz", BillingCurrency="XYZ", PricingCurrency="XYZ")
    write_focus_rows(case["landing"] / "billing/gate/xyz.csv", [unknown], "1.2")
    september = {
        "BillingPeriodStart": "2026-09-01T00:00:00Z",
        "BillingPeriodEnd": "2026-10-01T00:00:00Z",
        "ChargePeriodStart": "2026-09-30T00:00:00Z",
        "ChargePeriodEnd": "2026-10-01T00:00:00Z",
    }
    no_rate = charge("aws-gate-aed", BillingCurrency="AED", PricingCurrency="AED", **september)
    write_focus_rows(case["landing"] / "billing/gate/aed_2026-09.csv", [no_rate], "1.2")
    october = charge("aws-gate-aed")
    write_focus_rows(case["landing"] / "billing/gate/aed_2026-10.csv", [october], "1.2")


def _stale_extract(case: dict) -> None:
    # an account whose newest data is from early August: three months behind the others
    row = charge(
        "aws-gate-stale",
        BillingPeriodStart="2026-08-01T00:00:00Z",
        BillingPeriodEnd="2026-09-01T00:00:00Z",
        ChargePeriodStart="2026-08-01T00:00:00Z",
        ChargePeriodEnd="2026-08-02T00:00:00Z",
    )
    write_focus_rows(case["landing"] / "billing/gate/stale.csv", [row], "1.2")


def _owner_less_service(case: dict) -> None:
    # the catalog is the organisation folder's: the case runs a copy whose catalog lost an owner
    org = case["dir"] / "org"
    shutil.copytree(PROJECT / "orgs" / "demo", org)
    services = org / "services.csv"
    with services.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["service_id"] == "payments":
            row["owner"] = ""
    with services.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    case["org"] = org


def _smaller_redelivery(case: dict) -> None:
    """A valid new delivery of Oracle's October: 40% of the rows (the volume gate warns)."""
    source = next((case["landing"] / "billing/multi").glob("*.csv"))
    with source.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    october = [
        r
        for r in rows
        if r["ProviderName"] == "Oracle" and r["BillingPeriodStart"].startswith("2026-10")
    ]
    october.sort(key=lambda r: r["ChargePeriodStart"], reverse=True)
    kept = october[: int(len(october) * 0.4)]
    target = case["landing"] / "billing/oci/oracle_2026-10_redelivery.csv"
    target.parent.mkdir(parents=True)
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)


def _landing_breaks(case: dict) -> None:
    _untagged_month(case)
    _currency_errors(case)
    _stale_extract(case)


BROKEN = {
    "landing": _landing_breaks,
    "catalog": _owner_less_service,
}

READER = r"""
import json, os, sys, time, duckdb
published, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
# A full read at least every 0.5 s, and at once when the published file is replaced (new inode).
with open(out, "w") as log:
    last_inode, last_read = None, 0.0
    while True:
        done = os.path.exists(stop)
        inode = os.stat(published).st_ino
        if inode != last_inode or time.monotonic() - last_read > 0.5 or done:
            last_inode, last_read = inode, time.monotonic()
            try:
                con = duckdb.connect(published, read_only=True)
                try:
                    read = {
                        "publication": con.execute("select run_id from publication").fetchall(),
                        "gate_runs": con.execute(
                            "select distinct run_id from quality.gate_results"
                        ).fetchall(),
                        "latest": con.execute(
                            "select distinct run_id from marts.fct_data_quality "
                            "where is_latest_run"
                        ).fetchall(),
                        "total": con.execute(
                            "select cast(sum(effective_cost_billing) as varchar) "
                            "from marts.fct_cost_by_service_monthly"
                        ).fetchall(),
                    }
                finally:
                    con.close()
            except Exception as exc:
                read = {"error": repr(exc)}
            log.write(json.dumps(read) + "\n")
            log.flush()
        if done:
            break
        time.sleep(0.02)
"""


@pytest.fixture(scope="module")
def broken(good) -> dict:
    """Every broken case and the concurrent-reader run, started together."""
    assert good["run"].returncode == EXIT_OK, good["run"].stdout + good["run"].stderr
    cases = {}
    for name, breaker in BROKEN.items():
        case = _copy_case(good, name)
        case["before"] = published_state(case["published"])
        breaker(case)
        cases[name] = case
    reading = _copy_case(good, "concurrent")
    reading["before"] = published_state(reading["published"])
    reading["old_total"] = total_cost(reading["published"])
    _smaller_redelivery(reading)
    reading["stop"] = reading["dir"] / "stop"
    reading["reads_file"] = reading["dir"] / "reads.jsonl"
    reading["reader"] = subprocess.Popen(
        [
            sys.executable,
            "-c",
            READER,
            str(reading["published"]),
            str(reading["stop"]),
            str(reading["reads_file"]),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    cases["concurrent"] = reading
    started = time.monotonic()
    for case in cases.values():
        case["process"] = start_tbm(
            "run",
            "--landing",
            str(case["landing"]),
            "--warehouse",
            str(case["warehouse"]),
            *(("--org", str(case["org"])) if "org" in case else ()),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    for case in cases.values():
        stdout, stderr = case["process"].communicate(timeout=HUNG)
        case["run"] = subprocess.CompletedProcess(
            case["process"].args, case["process"].returncode, stdout, stderr
        )
    time.sleep(1)  # a few more reads of the new publication
    reading["stop"].touch()
    _, errors = reading["reader"].communicate(timeout=60)
    reads = reading["reads_file"].read_text().splitlines()
    reading["reads"] = [json.loads(line) for line in reads if line.strip()]
    reading["reader_errors"] = errors
    print(f"\n{len(cases)} runs side by side took {time.monotonic() - started:.0f}s")
    return cases


def _assert_gate_failed(case: dict, gate: str, *messages: str) -> None:
    run = case["run"]
    output = run.stdout + run.stderr
    assert run.returncode == EXIT_GATE_FAILED, output
    assert f"FAIL  {gate}" in run.stdout, output
    for message in messages:
        assert message in run.stdout, output
    assert "NOT published" in run.stdout
    # the published file still holds the previous good figures, and the same publication
    assert published_state(case["published"]) == case["before"]
    # the failure is in the run history of the working warehouse
    failed = query(
        case["warehouse"],
        "select count(*) from audit.gate_results where status = 'fail' "
        f"and suite_name = '{gate}' and run_id = (select run_id from audit.gate_results "
        "order by checked_at desc limit 1)",
    )[0][0]
    assert failed >= 1


def test_a_green_run_publishes_with_its_gate_results_and_data_docs(good):
    run = good["run"]
    assert run.returncode == EXIT_OK, run.stdout + run.stderr
    for gate in (
        "raw_billing",
        "raw_billing_formats",
        "raw_billing_volume",
        "currency",
        "allocation",
        "catalog",
        "freshness",
    ):
        assert f"pass  {gate}" in run.stdout, run.stdout
    run_id = query(good["published"], "select run_id from publication")[0][0]
    results = query(
        good["published"],
        "select distinct run_id, status from quality.gate_results "
        "where suite_name not in ('raw_billing_deviations', 'invoice_reconciliation') "
        "order by all",
    )
    assert results == [(run_id, "pass")]
    # the demo's Azure invoice of September is 12.34 EUR above its billing: a warning
    assert "warn  invoice_reconciliation" in run.stdout
    # the demo's provider units outside the FOCUS unit format (`GB-Mo`, `1K Output Tokens`)
    # are deviations that leave the money intact: named, published, not blocking
    assert "warn  raw_billing_deviations" in run.stdout
    assert "(sample_unit_outside_format: GB-Mo (FOCUS: GB-Months))" in run.stdout
    months = query(
        good["published"],
        "select distinct billing_month from quality.gate_results "
        "where suite_name = 'currency' order by 1",
    )
    assert [str(m) for (m,) in months] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    docs = good["warehouse"].parent / "gx_docs" / "index.html"
    assert docs.exists() and re.search(r"GX Data Docs: \S+/wh/gx_docs/index.html", run.stdout)
    assert "currency" in docs.read_text()


def test_the_gates_take_at_most_ten_percent_of_the_run(good):
    line = next(line for line in good["run"].stdout.splitlines() if "gate checks took" in line)
    print(f"\n{line.strip()}")
    share = float(re.search(r"\(([0-9.]+)%", line).group(1))
    assert share <= 10.0, line


def test_each_landing_break_fails_its_own_gate_and_no_other(broken):
    stdout = broken["landing"]["run"].stdout
    failed = set(re.findall(r"^  FAIL  (\w+)", stdout, re.MULTILINE))
    assert failed == {"allocation", "currency", "freshness"}, stdout
    for gate in ("raw_billing", "raw_billing_formats", "raw_billing_volume", "catalog"):
        assert f"pass  {gate}" in stdout, stdout


def test_an_untagged_month_above_five_percent_fails_the_allocation_gate(broken):
    _assert_gate_failed(
        broken["landing"],
        "allocation",
        "2026-10-01: unallocated share of effective cost: observed 0.",
        "limit <= 0.05",
    )


def test_an_unknown_currency_code_fails_the_currency_gate(broken):
    _assert_gate_failed(
        broken["landing"],
        "currency",
        "2026-10-01: charges with an unknown ISO 4217 currency code: observed 1, limit = 0 "
        "(sample_unknown_currency_charge_id: ",
    )


def test_a_missing_fx_rate_fails_the_currency_gate(broken):
    case = broken["landing"]  # the AED charge of September (the XYZ one is October's)
    _assert_gate_failed(
        case,
        "currency",
        "2026-09-01: charges without an FX rate to the reporting currency: observed 1, "
        "limit = 0 (sample_missing_fx_rate_charge_id: ",
    )
    assert "2026-09-01: charges with an unknown ISO 4217" not in case["run"].stdout  # AED is real


def test_a_service_without_an_owner_fails_the_catalog_gate(broken):
    _assert_gate_failed(
        broken["catalog"],
        "catalog",
        "2026-08-01: services with cost but no owner or business unit in the catalog: "
        "observed 1, limit = 0 (unowned_service_ids: payments)",
        "2026-10-01: services with cost but no owner",
    )


def test_a_stale_extract_fails_the_freshness_gate(broken):
    _assert_gate_failed(
        broken["landing"],
        "freshness",
        "2026-08-01 AWS aws-gate-stale: hours between the account's newest billing data and "
        "the freshness reference: observed 2184, limit <= 72",
    )


def test_a_green_run_swaps_the_publication_in_while_a_reader_keeps_reading(broken):
    case = broken["concurrent"]
    run = case["run"]
    assert run.returncode == EXIT_OK, run.stdout + run.stderr
    # a drop of more than half the rows of a delivery warns, and is published with the data
    # (beside the demo's units outside the FOCUS unit format, raw_billing_deviations, and its
    # Azure invoice above its billing, invoice_reconciliation)
    assert "warn  raw_billing_volume" in run.stdout
    assert "published with 3 warning(s)" in run.stdout
    assert re.search(
        r"2026-10-01: rows against the previous "
        r"delivery of the same account: observed 0\.\d+, limit >= 0\.5",
        run.stdout,
    )
    warnings = query(
        case["published"],
        "select suite_name, checked_item from quality.gate_results where status = 'warn' "
        "and suite_name not in ('raw_billing_deviations', 'invoice_reconciliation')",
    )
    assert len(warnings) == 1 and warnings[0][0] == "raw_billing_volume"

    old_run = case["before"][0][0][0]
    new_run = query(case["published"], "select run_id from publication")[0][0]
    assert new_run != old_run
    old_total, new_total = case["old_total"], total_cost(case["published"])
    totals = {old_run: old_total, new_run: new_total}
    assert old_total != new_total

    reads = case["reads"]
    assert reads, case["reader_errors"]
    assert not [r for r in reads if "error" in r], reads[:5]
    seen = []
    for read in reads:
        run_id = read["publication"][0][0]
        # one publication per read: the marker of every table names the same run
        assert read["gate_runs"] == [[run_id]], read
        assert read["latest"] == [[run_id]], read
        assert read["total"][0][0] == totals[run_id], read
        if not seen or seen[-1] != run_id:
            seen.append(run_id)
    assert seen[0] == old_run and seen[-1] == new_run and len(seen) == 2, seen
    old_reads = sum(r["publication"][0][0] == old_run for r in reads)
    print(
        f"\n{len(reads)} reads during the run: {old_reads} of the old publication, then "
        f"{len(reads) - old_reads} of the new one; never a mix"
    )
    # the history of every run stays queryable
    history = query(case["published"], "select count(distinct run_id) from marts.fct_data_quality")
    assert history[0][0] == 2

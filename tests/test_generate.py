"""Tests of the demo-data generator (orchestration/demo/).

Everything is checked by reading the written files back with csv / gzip / pyarrow and doing the
arithmetic with `decimal.Decimal`, not by asking the generator's internals.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.demo import GenerateReport, generate, load_company, write_focus_rows
from orchestration.pipeline.extracts import CONTAINER_USAGE, FX_RATES, INVOICES, TELEMETRY
from orchestration.pipeline.focus import (
    FOCUS_BY_NAME,
    MONEY,
    TS,
    columns_for_version,
    detect_version,
)
from tests.landing_reader import current_snapshot_rows

ROWS = 20_000
CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
# From docs/landing-and-raw.md (the contract), deliberately not imported from the generator.
SERVICES = {
    "checkout",
    "payments",
    "search",
    "catalog",
    "identity",
    "recommendations",
    "mobile-api",
    "data-platform",
    "ci-cd",
    "observability",
}
APP_KEYS = {"application", "Application", "app", "App", "service"}
SHARED_SUB_ACCOUNTS = {
    "222222222222",
    "333333333333",
    "444444444444",
    "sub-platform-01",
    "proj-network-jp",
}
MINOR = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
MONEY_COLUMNS = {name for name, c in FOCUS_BY_NAME.items() if c.sql_type == MONEY}
PLAIN_DECIMAL = re.compile(r"^-?\d+(\.\d{1,10})?$")


# ------------------------------------------------------------------------------------------
# reading the landing folder back
# ------------------------------------------------------------------------------------------


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_file(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header and rows of a landing file; values are strings, null is None."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        rows = []
        for rec in table.to_pylist():
            out: dict[str, str | None] = {}
            for k, v in rec.items():
                if v is None:
                    out[k] = None
                elif isinstance(v, Decimal):
                    out[k] = f"{v:f}"
                elif hasattr(v, "isoformat"):
                    out[k] = v.isoformat()
                else:
                    out[k] = str(v)
            rows.append(out)
        return table.column_names, rows
    with _open_text(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [
            {k: (None if v in ("", "NULL") else v) for k, v in zip(header, rec, strict=True)}
            for rec in reader
        ]
    return header, rows


def month_of(ts: str | None) -> str:
    assert ts is not None
    return ts[:7]


def dec(value: str | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def sha256_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateReport]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate(landing, rows=ROWS)


@pytest.fixture(scope="module")
def rows(demo: tuple[Path, GenerateReport]) -> list[dict[str, str | None]]:
    """Billing rows of the current snapshots (tests/landing_reader.py): per (provider, account,
    period) the last file wins."""
    current, untypeable = current_snapshot_rows(demo[0])
    assert untypeable == []
    return [record.values for record in current]


def usd_rates(landing: Path) -> dict[tuple[str, str], Decimal]:
    _, fx = read_file(landing / "fx_rates" / "treasury_rates.csv")
    out = {}
    for r in fx:
        assert r["quote_currency"] == "USD"
        out[(r["base_currency"], r["rate_date"][:7])] = Decimal(r["rate"])
    return out


# ------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------


def test_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, rows=4_000, months=2, inject_errors=True)
    generate(b, rows=4_000, months=2, inject_errors=True)
    generate(c, rows=4_000, months=2, seed=8, inject_errors=True)
    ha, hb, hc = sha256_tree(a), sha256_tree(b), sha256_tree(c)
    assert ha == hb
    assert set(ha) == set(hc)
    billing = [k for k in ha if k.startswith("billing/") and "zz_bad_rows" not in k]
    assert all(ha[k] != hc[k] for k in billing)


def test_row_counts(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    assert abs(report.billing_rows - ROWS) <= 0.05 * ROWS
    for info in report.files:
        _, body = read_file(landing / info.path)
        assert len(body) == info.rows, info.path
    written = {p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()}
    assert written == {f.path for f in report.files}
    assert not any(p.endswith(".part") for p in written)


def test_layout_versions_and_formats(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    billing = report.by_kind("billing")
    assert {f.fmt for f in billing} == {"csv", "csv.gz", "parquet"}
    assert {f.focus_version for f in billing} >= {"1.0", "1.2", "1.3"}
    for info in billing:
        header, _ = read_file(landing / info.path)
        assert detect_version(header) == info.focus_version
        focus = [c for c in header if c in FOCUS_BY_NAME]
        assert focus == columns_for_version(info.focus_version), info.path
        extras = [c for c in header if c not in FOCUS_BY_NAME]
        assert all(c == "Id" or c.startswith("x_") for c in extras)
        if info.focus_version == "1.0":
            assert "InvoiceId" not in header and "ServiceSubcategory" not in header
            assert info.providers == ("Microsoft",)
        else:
            assert "InvoiceId" in header and "ServiceSubcategory" in header
    parquet = [f for f in billing if f.fmt == "parquet"]
    assert parquet and all(f.billing_accounts == ("aws-payer-eu-002",) for f in parquet)
    schema = pq.read_schema(landing / parquet[0].path)
    for name in schema.names:
        col = FOCUS_BY_NAME.get(name)
        if col is not None and col.sql_type == MONEY:
            assert schema.field(name).type == pa.decimal128(38, 10)
        if col is not None and col.sql_type == TS:
            assert pa.types.is_timestamp(schema.field(name).type)
    for info in report.by_kind("billing"):
        if info.fmt == "csv.gz":
            assert info.providers == ("Google Cloud",)
    mixed = [f for f in billing if len(f.providers) == 2]
    assert len(mixed) == 1 and set(mixed[0].providers) == {"Oracle", "Microsoft"}
    _, mixed_rows = read_file(landing / mixed[0].path)
    assert {r["ProviderName"] for r in mixed_rows} == {"Oracle", "Microsoft"}


def test_quirks_present(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    texts = {
        f.path: (landing / f.path).read_text() for f in report.by_kind("billing") if f.fmt == "csv"
    }
    assert any(",NULL," in t for t in texts.values())
    assert any("T00:00:00Z" in t for t in texts.values())
    assert any("T00:00:00+00:00" in t for t in texts.values())
    assert any(re.search(r",\d{4}-\d\d-\d\d 00:00:00,", t) for t in texts.values())
    assert any(",Usage-based," in t for t in texts.values())
    assert any('"{""' in t for t in texts.values())  # JSON tags, quoted
    _, r13 = read_file(landing / next(f.path for f in report.files if f.focus_version == "1.3"))
    assert {r["ServiceProviderName"] for r in r13} == {"AWS"}


def test_all_charge_categories_and_null_contracted(rows: list[dict[str, str | None]]) -> None:
    assert {r["ChargeCategory"] for r in rows} == CATEGORIES
    assert all(dec(r["BilledCost"]) < 0 for r in rows if r["ChargeCategory"] == "Credit")
    assert any(r["ContractedCost"] is None for r in rows)
    usage = [r for r in rows if r["ChargeCategory"] == "Usage"]
    assert len(usage) > 0.95 * len(rows)


def test_commitments_used_plus_unused_equals_purchase(rows: list[dict[str, str | None]]) -> None:
    purchase: dict[tuple, Decimal] = defaultdict(Decimal)
    consumed: dict[tuple, Decimal] = defaultdict(Decimal)
    statuses = set()
    for r in rows:
        cid = r["CommitmentDiscountId"]
        if cid is None:
            continue
        key = (cid, month_of(r["BillingPeriodStart"]))
        if r["ChargeCategory"] == "Purchase":
            assert dec(r["EffectiveCost"]) == 0
            purchase[key] += dec(r["BilledCost"])
        else:
            statuses.add(r["CommitmentDiscountStatus"])
            assert dec(r["BilledCost"]) == 0
            consumed[key] += dec(r["EffectiveCost"])
    assert statuses == {"Used", "Unused"}
    assert len(purchase) >= 2 * 3  # two commitments, three months
    assert set(purchase) == set(consumed)
    for key, fee in purchase.items():
        assert fee > 0
        assert consumed[key] == fee, key


def test_untagged_share_below_five_percent_every_month(
    demo: tuple[Path, GenerateReport], rows: list[dict[str, str | None]]
) -> None:
    rates = usd_rates(demo[0])
    total: dict[str, Decimal] = defaultdict(Decimal)
    untagged: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        month = month_of(r["BillingPeriodStart"])
        cur = r["BillingCurrency"]
        cost = dec(r["EffectiveCost"]) * (Decimal(1) if cur == "USD" else rates[(cur, month)])
        total[month] += cost
        if r["SubAccountId"] in SHARED_SUB_ACCOUNTS:
            continue
        tags = json.loads(r["Tags"]) if r["Tags"] else {}
        if not any(k in APP_KEYS and str(v).lower() in SERVICES for k, v in tags.items()):
            untagged[month] += cost
    assert len(total) == 3
    for month, t in total.items():
        share = untagged[month] / t
        assert Decimal("0.005") < share < Decimal("0.05"), (month, share)


def test_tags_use_contract_aliases_and_services(rows: list[dict[str, str | None]]) -> None:
    keys, values = set(), set()
    for r in rows:
        if r["Tags"]:
            for k, v in json.loads(r["Tags"]).items():
                if k in APP_KEYS:
                    keys.add(k)
                    values.add(v)
    assert keys == APP_KEYS
    assert {v.lower() for v in values} <= SERVICES
    assert any(v != v.lower() for v in values)  # e.g. "Checkout"
    assert any(r["Tags"] is None for r in rows) and any(r["Tags"] == "{}" for r in rows)


def test_cloud_invoices_match_billing_except_one(
    demo: tuple[Path, GenerateReport], rows: list[dict[str, str | None]]
) -> None:
    landing, report = demo
    billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    invoice_ids: dict[tuple[str, str], set] = defaultdict(set)
    providers: dict[str, set] = defaultdict(set)
    for r in rows:
        key = (r["BillingAccountId"], month_of(r["BillingPeriodStart"]))
        billed[key] += dec(r["BilledCost"])
        providers[r["BillingAccountId"]].add(r["ProviderName"])
        if r.get("InvoiceId"):
            invoice_ids[key].add(r["InvoiceId"])
    inv_file = next(f for f in report.by_kind("invoices") if "cloud" in f.path)
    header, invoices = read_file(landing / inv_file.path)
    assert header == [c.name for c in INVOICES.columns]
    assert {(i["billing_account_id"], i["service_period_start"][:7]) for i in invoices} == set(
        billed
    )
    mismatches = []
    for inv in invoices:
        assert inv["invoice_type"] == "cloud"
        key = (inv["billing_account_id"], inv["service_period_start"][:7])
        assert providers[key[0]] == {inv["vendor_name"]}
        if invoice_ids[key]:
            assert invoice_ids[key] == {inv["invoice_id"]}
        cur = inv["currency"]
        expected = billed[key].quantize(Decimal(1).scaleb(-MINOR[cur]), ROUND_HALF_UP)
        amount = Decimal(inv["amount"])
        assert -amount.as_tuple().exponent <= MINOR[cur]
        if amount != expected:
            mismatches.append((key, cur, amount - expected))
    assert mismatches == [(("azure-ba-7788", "2026-09"), "EUR", Decimal("12.34"))]
    mm = report.invoice_mismatch
    assert mm is not None and (mm.billing_account_id, mm.month, mm.delta) == (
        "azure-ba-7788",
        "2026-09",
        Decimal("12.34"),
    )


def test_gcp_partial_then_full_delivery(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    gcp = sorted(f.path for f in report.by_kind("billing") if f.providers == ("Google Cloud",))
    last = [p for p in gcp if "_2026-10_" in p]
    assert len(last) == 2 and "partial" in last[0] and "partial" not in last[1]
    _, partial = read_file(landing / last[0])
    _, full = read_file(landing / last[1])
    assert max(r["ChargePeriodStart"] for r in partial) < "2026-10-11"
    assert max(r["ChargePeriodStart"] for r in full) >= "2026-10-31"
    assert len(partial) < len(full)
    assert sum(dec(r["BilledCost"]) for r in partial) < sum(dec(r["BilledCost"]) for r in full)


def _money_strings(values: Iterable[str | None]) -> None:
    for v in values:
        if v is not None:
            assert PLAIN_DECIMAL.match(v), v


def test_money_strings_exact(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    for info in report.files:
        if info.fmt == "parquet" or info.kind == "deploy_events":  # no amount in deploys
            continue
        header, body = read_file(landing / info.path)
        if info.kind == "billing":
            cols = [c for c in header if c in MONEY_COLUMNS]
        else:
            spec = {
                "invoices": INVOICES,
                "telemetry": TELEMETRY,
                "fx_rates": FX_RATES,
                "container_usage": CONTAINER_USAGE,
            }[info.kind]
            cols = [c.name for c in spec.columns if c.sql_type.startswith("decimal")]
        assert cols
        for c in cols:
            _money_strings(r[c] for r in body)


def test_saas_invoices(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    inv = next(f for f in report.by_kind("invoices") if "saas" in f.path)
    _, lines = read_file(landing / inv.path)
    vendors = {(r["vendor_name"], r["currency"]) for r in lines}
    assert vendors == {
        ("Datadog", "USD"),
        ("GitHub", "USD"),
        ("Slack", "GBP"),
        ("Snowflake", "EUR"),
    }
    annual = [r for r in lines if r["vendor_name"] == "GitHub" and "nnual" in r["description"]]
    assert len(annual) == 1
    assert (annual[0]["service_period_start"], annual[0]["service_period_end"]) == (
        "2026-08-01",
        "2027-08-01",
    )
    for r in lines:
        assert r["invoice_type"] == "saas"
        assert -Decimal(r["amount"]).as_tuple().exponent <= MINOR[r["currency"]]
    assert len({r["invoice_line_id"] for r in lines}) == len(lines)


def test_telemetry(demo: tuple[Path, GenerateReport]) -> None:
    landing, report = demo
    files = report.by_kind("telemetry")
    assert len(files) == 3
    for info in files:
        header, body = read_file(landing / info.path)
        assert header == [c.name for c in TELEMETRY.columns]
        days = {r["usage_date"] for r in body}
        assert {(d, s) for d in days for s in SERVICES} == {
            (r["usage_date"], r["service_id"]) for r in body
        }
        for r in body:
            assert int(r["slo_good_events"]) <= int(r["slo_total_events"])
        builds = defaultdict(int)
        for r in body:
            builds[r["service_id"]] += int(r["ci_builds"])
        assert builds["ci-cd"] > 10 * max(v for k, v in builds.items() if k != "ci-cd")


def test_inject_errors_and_foreign_files_kept(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    foreign = landing / "billing" / "other_team_export.csv"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("keep me\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me too\n")
    report = generate(landing, rows=2_000, months=1, inject_errors=True)
    assert foreign.read_text() == "keep me\n" and outside.read_text() == "keep me too\n"
    bad = report.bad_rows
    assert bad is not None and bad.path == "billing/zz_bad_rows_2026-07.csv"
    with open(landing / bad.path, newline="") as f:
        records = list(csv.reader(f))
    header = records[0]
    assert header == columns_for_version("1.2")
    line = {i + 1: rec for i, rec in enumerate(records)}  # 1-based, header = line 1

    def field(kind: str, name: str) -> str:
        return dict(zip(header, line[bad.lines[kind]], strict=True))[name]

    assert field("non_numeric_billed_cost", "BilledCost") == "12.3x"
    assert field("unparseable_charge_period_start", "ChargePeriodStart") == "2026-13-45"
    assert len(line[bad.lines["wrong_field_count"]]) != len(header)
    assert field("null_billing_currency", "BillingCurrency") in ("", "NULL")
    assert field("unknown_currency", "BillingCurrency") == "XYZ"
    assert field("null_contracted_cost", "ContractedCost") == ""
    assert field("wrong_case_charge_category", "ChargeCategory") == "usage"
    assert set(bad.quarantined_lines) == {
        bad.lines[k]
        for k in (
            "non_numeric_billed_cost",
            "unparseable_charge_period_start",
            "wrong_field_count",
            "null_billing_currency",
        )
    }
    assert len(bad.flagged_lines) == 3 and 4 <= len(bad.good_lines) <= 6
    all_lines = set(bad.quarantined_lines) | set(bad.flagged_lines) | set(bad.good_lines)
    assert all_lines == set(range(2, len(records) + 1))
    for n in bad.good_lines:
        rec = dict(zip(header, line[n], strict=True))
        assert rec["BillingCurrency"] == "USD" and rec["ChargeCategory"] == "Usage"
        Decimal(rec["BilledCost"])
        Decimal(rec["ContractedCost"])
    # the generated months are not superseded by the bad-rows file
    assert all(f.months != ("2026-07",) for f in report.by_kind("billing") if f.path != bad.path)


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_write_focus_rows(tmp_path: Path, fmt: str) -> None:
    rows = [
        {
            "BilledCost": "1.5",
            "BillingCurrency": "USD",
            "ChargeCategory": "Usage",
            "ChargePeriodStart": "2026-09-01T00:00:00Z",
            "Tags": '{"app":"checkout","a":"b,c"}',
            "x_Extra": "1",
        },
        {
            "BilledCost": "-0.0000000001",
            "BillingCurrency": None,
            "ChargeCategory": "Credit",
            "ChargePeriodStart": "2026-09-01 02:00:00",
        },
    ]
    path = write_focus_rows(tmp_path / f"f.{fmt}", rows, "1.2", fmt)  # type: ignore[arg-type]
    header, back = read_file(path)
    assert header == [*columns_for_version("1.2"), "x_Extra"]
    assert detect_version(header) == "1.2"
    assert Decimal(back[0]["BilledCost"]) == Decimal("1.5")
    assert Decimal(back[1]["BilledCost"]) == Decimal("-0.0000000001")
    assert back[0]["Tags"] == rows[0]["Tags"] and back[1]["BillingCurrency"] is None
    assert back[1]["x_Extra"] is None and back[0]["InvoiceId"] is None
    if fmt == "parquet":
        schema = pq.read_schema(path)
        assert schema.field("BilledCost").type == pa.decimal128(38, 10)
        assert back[1]["ChargePeriodStart"].startswith("2026-09-01T02:00:00")


# ------------------------------------------------------------------------------------------
# the demo company's data
# ------------------------------------------------------------------------------------------

# Digest of a small generated data set (file names and contents; gzip files decompressed,
# Parquet files as their rows), taken from the generator before the company moved into data
# files. A change to orchestration/demo/company/ that changes what the company is (an account,
# price, weight, region, tag habit, invoice line, rate...) changes it; reformatting those files
# does not. Update it only with a deliberate change of the demo data, in the same commit.
PINNED_LANDING_DIGEST = "ca447a8f1f0cc7d3ec403773322d8bff16b02a6e9898d45966b2c4afdf37ad90"
# the same data set without the deploy events and container usage (their own random streams)
PINNED_DIGEST_WITHOUT_CONTAINERS = (
    "3cec3bab73eccb7fbb64948ff846210204f8919be2dd7c14ba19be03e05d4ce4"
)


def landing_digest(landing: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(landing.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(landing).as_posix()
        if p.suffix == ".parquet":
            body = repr(pq.read_table(p).to_pylist()).encode()
        elif p.suffix == ".gz":
            body = gzip.decompress(p.read_bytes())
        else:
            body = p.read_bytes()
        h.update(f"{rel}\n{len(body)}\n".encode())
        h.update(body)
    return h.hexdigest()


def test_company_data_pinned(tmp_path: Path) -> None:
    generate(tmp_path, rows=3_000, months=2, inject_errors=True)
    assert landing_digest(tmp_path) == PINNED_LANDING_DIGEST
    for kind in ("deploy_events", "container_usage"):
        shutil.rmtree(tmp_path / kind)
    assert landing_digest(tmp_path) == PINNED_DIGEST_WITHOUT_CONTAINERS


def test_company_data_matches_contract() -> None:
    company = load_company()
    assert set(company.services) == SERVICES
    accounts = {(a.provider, a.id, a.currency) for a in company.accounts}
    assert accounts >= {
        ("AWS", "aws-payer-001", "USD"),
        ("AWS", "aws-payer-eu-002", "EUR"),
        ("Microsoft", "azure-ba-7788", "EUR"),
        ("Google Cloud", "gcp-0A1B2C-3D4E5F", "JPY"),
    }
    shared = {s.id for a in company.accounts for s in a.subs if s.role in company.team_of_role}
    assert shared == SHARED_SUB_ACCOUNTS
    keys = {k for a in company.accounts for k, _ in a.tag_keys}
    assert keys == APP_KEYS
    for a in company.accounts:
        assert isinstance(a.price_factor, Decimal)
        assert all(isinstance(t.list_unit_price_usd, Decimal) for t in a.templates)
    assert all(isinstance(x.unit_price, Decimal) for x in company.invoice_lines)


def test_more_months_leave_the_earlier_deploys_and_container_usage_as_they_were(
    tmp_path: Path,
) -> None:
    """Deploy events and container usage draw per service and per month: generating a fourth
    month gives byte-identical usage files for the first three (a re-generated landing folder
    loads nothing twice) and the same deployments up to their end."""
    three, four = tmp_path / "three", tmp_path / "four"
    generate(three, rows=3_000, months=3)
    generate(four, rows=3_000, months=4)
    for month in ("2026-08", "2026-09", "2026-10"):
        name = f"container_usage/container_usage_{month}.csv"
        assert (three / name).read_bytes() == (four / name).read_bytes()
    _, deploys3 = read_file(three / "deploy_events" / "deploys_2026-08_2026-10.csv")
    _, deploys4 = read_file(four / "deploy_events" / "deploys_2026-08_2026-11.csv")
    assert deploys3 == [d for d in deploys4 if d["deployed_at"] < "2026-11"]
    assert len(deploys4) > len(deploys3)

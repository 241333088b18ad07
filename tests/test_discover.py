"""`tbm discover`: the report, the drafts and their review loop, on a small two-provider FOCUS
landing folder written here.

The expected figures are computed in this module from the fixture's rows (read back with
tests/landing_reader.py, Decimal sums), with its own reading of the rules: tag keys lower-cased
and trimmed, then the aliases of seeds/mapping/tag_key_aliases.csv; owner keys from
seeds/mapping/owner_tag_keys.csv; a charge's owner key is the first drafted key it carries.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.commands.discover import draft_text
from orchestration.settings import PROJECT_DIR
from tests.demo import query, tbm
from tests.landing_reader import billing_files, read_records

SEEDS = PROJECT_DIR / "seeds" / "mapping"
EXIT_OK = 0

# One FOCUS 1.2 charge; the rows below change what matters here (accounts, tags, cost). Like
# real exports: a BOM and CRLF line ends (Microsoft's CSV exports), an empty string for null,
# long decimals and an exponent (AWS CUR 2.0 FOCUS writes long decimals and E notation).
BASE = {
    "BilledCost": None,
    "EffectiveCost": None,
    "ListCost": None,
    "ContractedCost": None,
    "ContractedUnitPrice": "1",
    "ListUnitPrice": "1",
    "BillingAccountType": "Billing Account",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-10-01T00:00:00Z",
    "BillingPeriodEnd": "2026-11-01T00:00:00Z",
    "ChargePeriodStart": "2026-10-31T00:00:00Z",
    "ChargePeriodEnd": "2026-11-01T00:00:00Z",
    "ChargeCategory": "Usage",
    "ChargeClass": "",
    "ChargeDescription": "usage",
    "ChargeFrequency": "Usage-Based",
    "PricingCategory": "Standard",
    "PricingCurrency": "USD",
    "PricingQuantity": "1",
    "PricingUnit": "Hours",
    "ConsumedQuantity": "1",
    "ConsumedUnit": "Hours",
    "ServiceCategory": "Compute",
    "ServiceSubcategory": "Virtual Machines",
    "SkuId": "sku-1",
    "SubAccountType": "Subscription",
}


def charge(provider: str, account: str, sub: str | None, service: str, cost: str, tags) -> dict:
    return {
        **BASE,
        "ProviderName": provider,
        "PublisherName": provider,
        "InvoiceIssuerName": provider,
        "BillingAccountId": account,
        "BillingAccountName": f"{account} account",
        "SubAccountId": sub or "",
        "SubAccountName": f"{sub} name" if sub else "",
        "ServiceName": service,
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ListCost": cost,
        "ContractedCost": cost,
        "PricingCurrencyEffectiveCost": cost,
        "Tags": json.dumps(tags) if tags is not None else "",
    }


AWS, AZURE = "AWS", "Microsoft"
FIXTURE = [
    # AWS shop account: application under three spellings and aliases (Application, app,
    # application), a team tag, one charge with only a team, one untagged charge
    charge(
        AWS,
        "111111111111",
        "222222222222",
        "Amazon EC2",
        "1200.1234567890",
        {"Application": "Checkout", "team": "Web"},
    ),
    charge(AWS, "111111111111", "222222222222", "Amazon RDS", "800.5", {"app": "checkout"}),
    charge(
        AWS,
        "111111111111",
        "222222222222",
        "Amazon S3",
        "640.25",
        {"application": "Payments", "Team": "Payments"},
    ),
    charge(AWS, "111111111111", "222222222222", "Amazon EC2", "300", {"team": "Search"}),
    charge(AWS, "111111111111", "222222222222", "AWS Lambda", "2.5E+1", {}),
    charge(AWS, "111111111111", "222222222222", "Amazon S3", "5", {"application": "  "}),
    # AWS sandbox account: no tags at all
    charge(AWS, "111111111111", "333333333333", "Amazon EC2", "410.75", None),
    # Microsoft: `Service` is an alias of application (mixed case key and value), CostCenter
    # of cost-center; a tax line without a sub account
    charge(
        AZURE,
        "ba-contoso",
        "sub-data",
        "Azure Data Lake Storage",
        "950",
        {"Service": "Data-Lake", "CostCenter": "CC-42"},
    ),
    charge(AZURE, "ba-contoso", "sub-data", "Virtual Machines", "1.5E-3", {"service": "data-lake"}),
    charge(
        AZURE,
        "ba-contoso",
        "sub-data",
        "Virtual Machines",
        "120",
        {"CostCenter": "CC-42", "env": "prod"},
    ),
    {**charge(AZURE, "ba-contoso", None, "Tax", "61.2", None), "ChargeCategory": "Tax"},
]


def write_billing(path: Path, rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())


# --- the oracle ---------------------------------------------------------------------------------


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


ALIASES = {r["tag_key_alias"]: r["tag_key"] for r in _seed("tag_key_aliases.csv")}
OWNER_KEYS = {r["tag_key"]: int(r["preference"]) for r in _seed("owner_tag_keys.csv")}


def fixture_charges(landing: Path) -> list[dict]:
    """Each billing row as cost, accounts and normalized tags {key: lowest lower-cased value}."""
    charges = []
    for path in billing_files(landing):
        for record in read_records(landing, path):
            values = record.values
            tags: dict[str, str] = {}
            for key, value in json.loads(values["Tags"] or "{}").items():
                norm = ALIASES.get(key.strip().lower(), key.strip().lower())
                if value.strip():
                    tags[norm] = min(tags.get(norm, value.strip().lower()), value.strip().lower())
            charges.append(
                {
                    "cost": Decimal(values["EffectiveCost"]),
                    "provider": values["ProviderName"],
                    "account": values["SubAccountId"] or values["BillingAccountId"],
                    "account_key": "sub_account_id"
                    if values["SubAccountId"]
                    else "billing_account_id",
                    "tags": tags,
                }
            )
    return charges


def expected_drafts(charges: list[dict], max_unallocated=Decimal("0.05")) -> dict:
    total = sum(c["cost"] for c in charges)
    coverage: dict[str, Decimal] = defaultdict(Decimal)
    for c in charges:
        for key in c["tags"]:
            coverage[key] += c["cost"]
    owner_order = sorted(
        (k for k in coverage if k in OWNER_KEYS), key=lambda k: (-coverage[k], OWNER_KEYS[k], k)
    )
    drafted, covered = [], Decimal(0)
    for key in owner_order:
        marginal = sum(
            c["cost"]
            for c in charges
            if key in c["tags"]
            and not any(k in c["tags"] for k in owner_order[: owner_order.index(key)])
        )
        if marginal > 0 and (total - covered) / total > max_unallocated:
            drafted.append(key)
        covered += marginal
    service_of: dict[int, str] = {}
    rule_of: dict[int, str] = {}
    for i, c in enumerate(charges):
        key = next((k for k in drafted if k in c["tags"]), None)
        if key:
            service_of[i], rule_of[i] = c["tags"][key], f"draft-tag-{key}"
    by_account: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for i, c in enumerate(charges):
        if i in service_of:
            by_account[(c["provider"], c["account_key"], c["account"])][service_of[i]] += c["cost"]
    for i, c in enumerate(charges):
        if i not in service_of:
            tagged = by_account.get((c["provider"], c["account_key"], c["account"]))
            main = min(tagged, key=lambda s: (-tagged[s], s)) if tagged else None
            service_of[i] = main or f"account-{c['account'].lower()}"
            rule_of[i] = f"draft-account-{c['provider'].lower()}-{c['account'].lower()}"
    rules: dict[str, Decimal] = defaultdict(Decimal)
    services: dict[str, Decimal] = defaultdict(Decimal)
    for i, c in enumerate(charges):
        rules[rule_of[i]] += c["cost"]
        services[service_of[i]] += c["cost"]
    return {
        "total": total,
        "coverage": dict(coverage),
        "drafted": drafted,
        "rules": dict(rules),
        "services": dict(services),
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def init_org(folder: Path) -> Path:
    """What `tbm init` writes: every organisation file's header, and the fallback rule."""
    from orchestration.org.template import write_empty_folder

    write_empty_folder(folder)
    return folder


# --- unit tests ---------------------------------------------------------------------------------


def test_the_draft_mark_states_the_amount_and_share():
    assert (
        draft_text(Decimal("1234.5678"), Decimal("0.123456"), "USD")
        == "draft: covers 1,234.57 USD (12.35%)"
    )


def test_the_oracle_reads_the_fixture_as_intended(tmp_path):
    write_billing(tmp_path / "billing" / "export.csv", FIXTURE)
    charges = fixture_charges(tmp_path)
    assert len(charges) == len(FIXTURE)
    assert charges[0]["tags"] == {"application": "checkout", "team": "web"}
    assert charges[7]["tags"] == {"application": "data-lake", "cost-center": "cc-42"}
    expected = expected_drafts(charges)
    assert expected["drafted"][0] == "application"


# --- end to end ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("discover")
    landing = root / "landing"
    write_billing(landing / "billing" / "2026-10" / "export.csv", FIXTURE)
    org = init_org(root / "org")
    html = root / "discover.html"
    result = tbm(
        "discover", "--landing", str(landing), "--org", str(org), "--write", "--html", str(html)
    )
    return {"root": root, "landing": landing, "org": org, "html": html, "result": result}


@pytest.mark.e2e
def test_discover_reports_coverage_and_drafts_the_rules_that_cover_the_cost(case):
    result = case["result"]
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    expected = expected_drafts(fixture_charges(case["landing"]))
    out = result.stdout
    from orchestration.commands.formatting import money, pct

    assert f"effective cost {money(expected['total'])} USD" in out
    for key, covered in expected["coverage"].items():
        assert f"  {key}: {pct(covered / expected['total'])} ({money(covered)})" in out, key
    rows = read_csv(case["org"] / "mapping_rules.csv")
    assert rows[0]["rule_id"] == "fallback-unallocated"  # tbm init's, kept
    rules = {r["rule_id"]: r for r in rows[1:]}
    assert set(rules) == set(expected["rules"])
    for rule_id, covered in expected["rules"].items():
        assert rules[rule_id]["description"].startswith(
            draft_text(covered, covered / expected["total"], "USD")
        ), rule_id
    assert [k for k in expected["drafted"]] == [
        r["match_key"] for r in rules.values() if r["rule_type"] == "tag"
    ]
    services = {s["service_id"]: s for s in read_csv(case["org"] / "services.csv")}
    assert set(services) == set(expected["services"])
    for service_id, covered in expected["services"].items():
        row = services[service_id]
        assert row["owner"] == draft_text(covered, covered / expected["total"], "USD")
        assert (row["service_type"], row["valid_from"]) == ("business", "2000-01-01")
    page = case["html"].read_text()
    assert page.count("<svg") == 2 and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


@pytest.mark.e2e
def test_the_drafts_publish_with_the_unallocated_share_under_five_percent(case):
    warehouse = case["root"] / "warehouse" / "tbm.duckdb"
    result = tbm(
        "run",
        "--landing",
        str(case["landing"]),
        "--org",
        str(case["org"]),
        "--warehouse",
        str(warehouse),
    )
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    published = warehouse.with_name("tbm.published.duckdb")
    ((share,),) = query(published, "select max(unallocated_share) from quality.qa_billing_monthly")
    assert share < Decimal("0.05")
    expected = expected_drafts(fixture_charges(case["landing"]))
    by_service = dict(
        query(
            published,
            "select service_id, sum(effective_cost_billing) "
            "from marts.fct_cost_by_service_monthly group by service_id",
        )
    )
    assert {s: v for s, v in by_service.items() if v} == {
        s: v for s, v in expected["services"].items() if v
    }


@pytest.mark.e2e
def test_a_rerun_keeps_the_rows_a_person_edited_and_adds_only_new_drafts(case, tmp_path):
    org = tmp_path / "org"
    org.mkdir()
    for name in ("services.csv", "mapping_rules.csv"):
        (org / name).write_bytes((case["org"] / name).read_bytes())
    services = (org / "services.csv").read_text()
    edited = services.replace("draft: covers", "alice@example.com was: draft covers", 1)
    (org / "services.csv").write_text(edited)
    rules_before = (org / "mapping_rules.csv").read_text()
    landing = tmp_path / "landing"
    write_billing(landing / "billing" / "2026-10" / "export.csv", FIXTURE)
    new_app = charge(
        AWS, "111111111111", "222222222222", "Amazon EC2", "7", {"APP": "Recommendations"}
    )
    write_billing(
        landing / "billing" / "2026-10-extra" / "aws.csv",
        [{**new_app, "BillingAccountId": "444444444444"}],
    )
    result = tbm("discover", "--landing", str(landing), "--org", str(org), "--write")
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    after = (org / "services.csv").read_text()
    assert after.startswith(edited)
    added = read_csv(org / "services.csv")[len(read_csv(case["org"] / "services.csv")) :]
    assert [s["service_id"] for s in added] == ["recommendations"]
    assert (org / "mapping_rules.csv").read_text().startswith(rules_before)


@pytest.mark.e2e
def test_write_creates_the_files_of_a_missing_organisation_folder(case, tmp_path):
    org = tmp_path / "new-org"
    result = tbm("discover", "--landing", str(case["landing"]), "--org", str(org), "--write")
    assert result.returncode == EXIT_OK, result.stdout + result.stderr
    assert sorted(p.name for p in org.iterdir()) == ["mapping_rules.csv", "services.csv"]
    assert (org / "services.csv").read_text() == (case["org"] / "services.csv").read_text()
    rules = read_csv(org / "mapping_rules.csv")
    assert [r["rule_type"] for r in rules].count("fallback") == 1


@pytest.mark.e2e
def test_a_landing_folder_without_billing_is_a_verdict(tmp_path):
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "export.csv").write_text("BilledCost;EffectiveCost\n1;1\n")
    result = tbm("discover", "--landing", str(tmp_path))
    assert result.returncode == 7, result.stdout + result.stderr
    assert "no billing data" in result.stderr and "Traceback" not in result.stderr

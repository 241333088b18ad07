"""A FOCUS 1.0 file and a FOCUS 1.2 file describing the same charges stage to the same rows.

The 1.2 file is landed after the 1.0 file for the same provider, account and period, so it also
shows snapshot supersession: staging holds exactly one copy of the charges, from the newer file.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.demo import write_focus_rows
from orchestration.pipeline.load import load_extract
from orchestration.pipeline.reference_data import load_reference_data
from orchestration.warehouse import connect
from tests.demo import dbt_on, open_warehouse, query

CHARGES = [
    {
        "BillingAccountId": "aws-payer-001",
        "BillingAccountName": "Acme payer",
        "SubAccountId": "111111111111",
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "InvoiceIssuerName": "AWS",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-09-01T00:00:00Z",
        "BillingPeriodEnd": "2026-10-01T00:00:00Z",
        "ChargePeriodStart": f"2026-09-{day:02d}T00:00:00Z",
        "ChargePeriodEnd": f"2026-09-{day + 1:02d}T00:00:00Z",
        "ChargeCategory": category,
        "ChargeFrequency": "Usage-Based",
        "ServiceCategory": "Compute",
        "ServiceName": "Amazon EC2",
        "ResourceId": f"i-{day:04d}",
        "BilledCost": billed,
        "EffectiveCost": effective,
        "ListCost": billed,
        "ContractedCost": billed,
        "Tags": '{"Application": "checkout", "env": "prod"}',
    }
    for day, category, billed, effective in [
        (1, "Usage", "12.3456789012", "11.0000000001"),
        (2, "Usage", "0.0000000001", "0.0000000001"),
        (3, "Credit", "-5.25", "-5.25"),
    ]
]
LINEAGE = {"charge_id", "source_file_id", "focus_version", "month_built_at"}
VERSION_ONLY = {"invoice_id", "service_subcategory"}


def _staged(warehouse: Path) -> list[dict]:
    with open_warehouse(warehouse) as con:
        cur = con.execute("select * from staging.stg_focus__charges order by source_line")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _build_staging(warehouse: Path) -> None:
    result = dbt_on(
        warehouse,
        *("build", "--select", "+stg_focus__charges", "--exclude", "test_type:data"),
        target_path=warehouse.with_name("target"),
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e
def test_focus_10_and_12_files_of_the_same_charges_stage_identically(tmp_path):
    # named like the demo's warehouse, so that dbt starts from the project's parse (dbt_on)
    landing, warehouse = tmp_path / "landing", tmp_path / "tbm.duckdb"
    charges_12 = [
        {
            **c,
            "InvoiceId": "INV-2026-09",
            "ServiceSubcategory": "Virtual Machines",
            "PricingCurrency": "USD",
            "PricingCurrencyEffectiveCost": c["EffectiveCost"],
        }
        for c in CHARGES
    ]
    write_focus_rows(landing / "billing" / "a_focus10.csv", CHARGES, "1.0", "csv", null="NULL")
    con = connect(warehouse)
    load_extract(con, landing, "billing", "run-1")
    load_reference_data(con, "run-1")
    con.close()
    _build_staging(warehouse)
    staged_10 = _staged(warehouse)

    write_focus_rows(landing / "billing" / "b_focus12.parquet", charges_12, "1.2", "parquet")
    con = connect(warehouse)
    load_extract(con, landing, "billing", "run-2")
    con.close()
    _build_staging(warehouse)
    staged_12 = _staged(warehouse)

    assert len(staged_10) == len(staged_12) == 3
    assert {r["focus_version"] for r in staged_10} == {"1.0"}
    assert {r["focus_version"] for r in staged_12} == {"1.2"}  # the newer snapshot replaced 1.0
    for row_10, row_12 in zip(staged_10, staged_12, strict=True):
        same = {k: v for k, v in row_10.items() if k not in LINEAGE | VERSION_ONLY}
        assert same == {k: row_12[k] for k in same}
        # what a 1.0 file cannot carry is filled with its documented 1.2 default
        assert (row_10["invoice_id"], row_10["service_subcategory"]) == (None, "Other (Compute)")
        assert (row_12["invoice_id"], row_12["service_subcategory"]) == (
            "INV-2026-09",
            "Virtual Machines",
        )
    assert [r["billed_cost"] for r in staged_12] == [
        Decimal("12.3456789012"),
        Decimal("0.0000000001"),
        Decimal("-5.25"),
    ]
    assert staged_12[0]["pricing_currency"] == staged_10[0]["pricing_currency"] == "USD"


@pytest.mark.e2e
def test_a_tags_object_that_names_a_key_twice_is_a_warning(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "tbm.duckdb"
    tags = [
        '{"env": "prod", "env": "test"}',  # the one charge that repeats a key
        '{"a": {"b": 1, "b": 2}, "env": "prod"}',  # a nested object's repeat is not the charge's
        '{"env": "prod", "env"',  # not JSON: has_invalid_tags_json, not this warning
    ]
    rows = [{**charge, "Tags": text} for charge, text in zip(CHARGES, tags, strict=True)]
    write_focus_rows(landing / "billing" / "tags.csv", rows, "1.2", "csv")
    con = connect(warehouse)
    load_extract(con, landing, "billing", "run-1")
    load_reference_data(con, "run-1")
    con.close()
    target = tmp_path / "target"
    result = dbt_on(
        warehouse,
        *("build", "--select", "+stg_focus__tag_texts", "--indirect-selection", "cautious"),
        target_path=target,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((target / "run_results.json").read_text())["results"]
    (check,) = [
        r
        for r in results
        if r["unique_id"].startswith("test.") and "tags_json_names_each_key_once" in r["unique_id"]
    ]
    # the tag table holds the repeat as two rows of one (text, delivered key), and the warning
    # names those two rows of the one text
    repeats = query(
        warehouse,
        "select tags_json, count(*) from staging.stg_focus__tag_texts "
        "group by tags_json, tag_key_original having count(*) > 1",
    )
    assert repeats == [(tags[0], 2)]
    assert (check["status"], check["failures"]) == ("warn", 2)


@pytest.mark.e2e
def test_a_tag_text_without_a_charge_in_its_month_fails_its_relationship(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "tbm.duckdb"
    # the second charge's text is its own; the others share one
    team_text = '{"team": "web"}'
    rows = [{**charge, "Tags": team_text} if n == 1 else charge for n, charge in enumerate(CHARGES)]
    write_focus_rows(landing / "billing" / "tags.csv", rows, "1.2", "csv")
    con = connect(warehouse)
    load_extract(con, landing, "billing", "run-1")
    load_reference_data(con, "run-1")
    con.close()

    def relationship_check(target: Path, *selection: str) -> dict:
        result = dbt_on(warehouse, *selection, target_path=target)
        results = json.loads((target / "run_results.json").read_text())["results"]
        (check,) = [r for r in results if "relationships_in_same_month" in r["unique_id"]]
        return {"returncode": result.returncode, "check": check, "out": result.stdout}

    built = relationship_check(
        tmp_path / "build",
        *("build", "--select", "+stg_focus__tag_texts", "--indirect-selection", "cautious"),
    )
    assert (built["returncode"], built["check"]["status"]) == (0, "pass"), built["out"]
    with open_warehouse(warehouse, read_only=False) as con:
        # one tag row of the shared text in the month after its charges'
        con.execute(
            "update staging.stg_focus__tag_texts set billing_month = date '2026-10-01' "
            "where tag_key = 'application'"
        )
        # the only charge carrying the team text gone, its tag rows left
        (orphans,) = con.execute(
            "select count(*) from staging.stg_focus__tag_texts where tags_json = ?", [team_text]
        ).fetchone()
        con.execute("delete from staging.stg_focus__charges where tags_json = ?", [team_text])
    assert orphans == 1  # team
    tested = relationship_check(
        tmp_path / "test",
        *("test", "--select", "stg_focus__tag_texts,test_name:relationships_in_same_month"),
    )
    assert tested["returncode"] == 1, tested["out"]
    assert (tested["check"]["status"], tested["check"]["failures"]) == ("fail", 1 + orphans)

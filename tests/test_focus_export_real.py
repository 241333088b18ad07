"""`tbm export-focus` on real provider exports (tests/fixtures/providers: AWS, Microsoft, Google
Cloud, Oracle, each with its documented deviations from FOCUS).

The export adds no failure of the FinOps validator that the delivered files do not already have;
where FOCUS defines the fix (units in the FOCUS unit format, one ServiceCategory and one
ServiceSubcategory per ServiceName) it normalizes, keeps the delivered value in x_Delivered…, and
counts the charges it changed in `<file>.report.json`, which also lists per validator rule what the
delivered data fails and the export passes through.

Expected counts are computed here from the delivered rows (tests/landing_reader.py) with the FOCUS
rules written out independently; the validator runs on the export and on each delivered file as
it is (focus-validator 2.2.1, see tests/test_focus_export.py; skipped with the reason when it is
not installed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from tests.demo import HUNG, tbm
from tests.landing_reader import billing_files, read_records
from tests.test_focus_export import (
    CORRECTED_RULES,
    VALIDATOR,
    _validator_working_dir,
    require_validator,
)

pytestmark = pytest.mark.e2e

# FOCUS 1.2 appendix "Unit Format": the FOCUS spelling of each provider unit of the fixtures that
# deviates from it (a month is `Months` after a hyphen; a unit quantity is written out).
FOCUS_UNITS = {"GB-Mo": "GB-Months", "10K Transactions": "10000 Transactions"}
UNIT_COLUMNS = ("PricingUnit", "ConsumedUnit", "CommitmentDiscountUnit")
FAILED = re.compile(r"^- ([A-Za-z]+-[A-Z]-\d{3}-[A-Z]): violations=(\d+); (.*)$", re.MULTILINE)


@pytest.fixture(scope="module")
def export(real_exports_template, tmp_path_factory) -> dict:
    run = real_exports_template["run"]
    assert run.returncode == 0, run.stdout + run.stderr
    root = tmp_path_factory.mktemp("focus_real")
    shutil.copytree(real_exports_template["root"], root, dirs_exist_ok=True)
    landing, warehouse = root / "landing", root / "wh" / "tbm.duckdb"
    out = root / "export" / "focus.parquet"
    result = tbm("export-focus", "--out", str(out), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.with_name("focus.parquet.report.json").read_text())
    return {"root": root, "landing": landing, "out": out, "report": report, "stdout": result.stdout}


def _delivered_rows(landing: Path) -> list[dict]:
    return [r.values for path in billing_files(landing) for r in read_records(landing, path)]


def _validate(data_file: Path, workdir: Path) -> tuple[str, dict[str, int]]:
    """The validator's output on DATA_FILE and its failed rules that are checks of their own
    (not the AND/OR of child rules): rule -> violations."""
    require_validator()
    result = subprocess.run(
        [
            str(VALIDATOR),
            "--data-file",
            str(data_file),
            "--validate-version",
            "1.2",
            "--block-download",
            "--rule-set-path",
            str(CORRECTED_RULES),
        ],
        cwd=_validator_working_dir(workdir),
        capture_output=True,
        text=True,
        timeout=HUNG,
        check=False,
    )
    output = result.stdout + result.stderr
    assert re.search(r"Total: \d+ \| Pass: \d+ \| Fail: \d+", output), output[-3000:]
    failed = {
        rule: int(count)
        for rule, count, message in FAILED.findall(output)
        if " failed - failed child rules" not in message and "OR failed" not in message
    }
    return output, failed


@pytest.fixture(scope="module")
def validated(export, tmp_path_factory) -> dict:
    """The validator on the export and on each delivered file as it is."""
    exported_output, exported = _validate(export["out"], tmp_path_factory.mktemp("fv_export"))
    delivered: dict[str, Counter] = defaultdict(Counter)
    for path in billing_files(export["landing"]):
        _, failed = _validate(path, tmp_path_factory.mktemp("fv_source"))
        for rule, count in failed.items():
            delivered[rule][path.name] = count
    return {"export": exported, "export_output": exported_output, "delivered": delivered}


def test_the_export_adds_no_validator_failure_the_delivered_files_do_not_have(validated):
    exported, delivered = validated["export"], validated["delivered"]
    added = {rule for rule in exported if rule not in delivered}
    assert not added, f"the export fails {sorted(added)}, the delivered files do not"
    for rule, count in exported.items():
        assert count <= sum(delivered[rule].values()), (rule, count, dict(delivered[rule]))
    # what the export fixes: the Google view's Compute Engine under two categories
    for fixed in ("ServiceName-C-005-C", "ServiceName-C-008-C", "PricingUnit-C-003-O"):
        assert fixed in delivered and fixed not in exported, fixed


def test_the_report_lists_each_failure_the_export_keeps_per_rule(export, validated):
    not_fixed = {entry["rule"]: entry["charges"] for entry in export["report"]["not_fixed"]}
    # every rule the validator fails on the export, with as many charges
    assert {rule: not_fixed.get(rule) for rule in validated["export"]} == validated["export"]
    # the report's other rules are ones the validator does not check by default
    for rule in set(not_fixed) - set(validated["export"]):
        assert f"{rule}: SKIPPED" in validated["export_output"], rule
    # and each is printed
    for rule in not_fixed:
        assert rule in export["stdout"], rule


def _focus_categories(rows: list[dict]) -> dict[tuple, str]:
    """One ServiceCategory per provider and ServiceName: the category of most rows, then of the
    larger sum of |BilledCost|, then the first by name."""
    tally: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for row in rows:
        entry = tally[(row["ProviderName"], row["ServiceName"])][row["ServiceCategory"]]
        entry[0] += 1
        entry[1] += abs(Decimal(row["BilledCost"]))
    return {
        service: min(categories, key=lambda c: (-categories[c][0], -categories[c][1], c))
        for service, categories in tally.items()
    }


def _delivered_subcategory(row: dict) -> str:
    # a file without ServiceSubcategory is read as FOCUS 1.0: the category's `Other (...)`
    return row.get("ServiceSubcategory") or f"Other ({row['ServiceCategory']})"


def _focus_subcategories(rows: list[dict], categories: dict[tuple, str]) -> list[str]:
    """Per row: the one specific subcategory its service's rows of the chosen category carry,
    `Other (<category>)` when several, or when the row's category changed; else as delivered."""
    specific: dict[tuple, set] = defaultdict(set)
    for row in rows:
        service = (row["ProviderName"], row["ServiceName"])
        subcategory = _delivered_subcategory(row)
        if row["ServiceCategory"] == categories[service] and not subcategory.startswith("Other ("):
            specific[service].add(subcategory)
    result = []
    for row in rows:
        service = (row["ProviderName"], row["ServiceName"])
        category = categories[service]
        if len(specific[service]) == 1:
            result.append(next(iter(specific[service])))
        elif specific[service] or row["ServiceCategory"] != category:
            result.append(f"Other ({category})")
        else:
            result.append(_delivered_subcategory(row))
    return result


def test_the_normalizations_are_counted_from_the_delivered_rows(export):
    rows = _delivered_rows(export["landing"])
    categories = _focus_categories(rows)
    subcategories = _focus_subcategories(rows, categories)
    expected = Counter()
    for column in UNIT_COLUMNS:
        expected[("normalized", column)] = sum(row.get(column) in FOCUS_UNITS for row in rows)
    expected[("normalized", "ServiceCategory")] = sum(
        row["ServiceCategory"] != categories[(row["ProviderName"], row["ServiceName"])]
        for row in rows
    )
    expected[("normalized", "ServiceSubcategory")] = sum(
        _delivered_subcategory(row) != subcategory
        for row, subcategory in zip(rows, subcategories, strict=True)
    )
    # ContractedCost is required in FOCUS 1.2; Oracle leaves it empty
    expected[("completed", "ContractedCost")] = sum(not row.get("ContractedCost") for row in rows)
    report = export["report"]
    counted = {
        (outcome, entry["column"]): entry["charges"]
        for outcome in ("normalized", "completed")
        for entry in report[outcome]
    }
    assert counted == {key: count for key, count in expected.items() if count}
    # the fixtures exercise each normalization
    assert all(expected[("normalized", c)] for c in ("PricingUnit", "ServiceCategory"))
    assert report["charges"] == len(rows) and report["months"] == ["2024-09"]


def test_each_normalized_value_is_kept_as_delivered(export, open_warehouse):
    rows = _delivered_rows(export["landing"])
    categories = _focus_categories(rows)
    delivered = {
        (row["ProviderName"], row["SkuId"], row["ChargePeriodStart"][:13]): row for row in rows
    }
    con = open_warehouse()
    exported = con.execute(
        "select ProviderName, SkuId, strftime(timezone('UTC', ChargePeriodStart), '%Y-%m-%dT%H'), "
        "PricingUnit, "
        "x_DeliveredPricingUnit, ConsumedUnit, x_DeliveredConsumedUnit, ServiceName, "
        "ServiceCategory, x_DeliveredServiceCategory from read_parquet(?)",
        [str(export["out"])],
    ).fetchall()
    assert len(exported) == len(rows)
    for provider, sku, start, *units, service, category, category_as_delivered in exported:
        row = delivered[(provider, sku, start)]
        pricing, pricing_as_delivered, consumed, consumed_as_delivered = units
        for unit, as_delivered, column in (
            (pricing, pricing_as_delivered, "PricingUnit"),
            (consumed, consumed_as_delivered, "ConsumedUnit"),
        ):
            if row[column] in FOCUS_UNITS:
                assert (unit, as_delivered) == (FOCUS_UNITS[row[column]], row[column])
            else:
                assert (unit, as_delivered) == (row[column], None)
        assert category == categories[(provider, service)]
        changed = row["ServiceCategory"] != category
        assert category_as_delivered == (row["ServiceCategory"] if changed else None)

"""Tag values are harmonized before the marts group by them: `Checkout` and `checkout` are one
row of marts.fct_cost_by_tag_monthly, and the demo company's alias (`production` = `prod` under
`environment`, orgs/demo/tag_value_aliases.csv) applies. The expected sums are computed here from
the landing files' Tags, with this module's own reading of the rules."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_DIR
from tests.demo import query
from tests.landing_reader import current_snapshot_rows

pytestmark = pytest.mark.e2e

KEYS = ("application", "environment")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _harmonized(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().lower()


def test_cost_by_tag_groups_harmonized_values(demo_template):
    key_aliases = {
        r["tag_key_alias"].strip().lower(): r["tag_key"]
        for r in _csv(PROJECT_DIR / "seeds" / "mapping" / "tag_key_aliases.csv")
    }
    value_aliases = {
        (r["tag_key"].strip().lower(), _harmonized(r["alias_value"])): _harmonized(r["tag_value"])
        for r in _csv(PROJECT_DIR / "orgs" / "demo" / "tag_value_aliases.csv")
    }
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    delivered: dict[str, set[str]] = defaultdict(set)
    for record in current_snapshot_rows(demo_template["landing"])[0]:
        values = record.values
        for raw_key, raw_value in json.loads(values.get("Tags") or "{}").items():
            key = raw_key.strip().lower().removeprefix("user:")
            key = key_aliases.get(key, key)
            if key not in KEYS or not str(raw_value).strip():
                continue
            delivered[key].add(str(raw_value))
            value = _harmonized(str(raw_value))
            value = value_aliases.get((key, value), value)
            month = values["BillingPeriodStart"][:7]
            expected[(month, values["BillingCurrency"], key, value)] += Decimal(
                values["BilledCost"]
            )
    # the demo delivers both spellings: the test would prove nothing otherwise
    assert {"Checkout", "checkout"} <= delivered["application"]
    assert {"prod", "production"} <= delivered["environment"]

    rows = query(
        demo_template["published"],
        "select strftime(billing_month, '%Y-%m'), billing_currency, tag_key, tag_value, "
        "billed_cost_billing from marts.fct_cost_by_tag_monthly where tag_key in (?, ?)",
        list(KEYS),
    )
    got = {(month, ccy, key, value): cost for month, ccy, key, value, cost in rows}
    assert len(got) == len(rows)
    assert got == dict(expected)
    assert not any(value == "production" for _, _, _, value in got)

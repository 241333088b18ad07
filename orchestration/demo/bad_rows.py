"""`inject_errors`: a billing file of known bad rows, each defect on a known line.

Its billing period is the month before the generated ones on purpose, so that (snapshot
semantics) it does not supersede the real export of a generated month."""

from __future__ import annotations

from pathlib import Path

from orchestration.demo.batch import column_kind
from orchestration.demo.billing import base_columns
from orchestration.demo.company_data import Company
from orchestration.demo.money import units_str
from orchestration.demo.months import Month
from orchestration.demo.report import BadRows, FileInfo
from orchestration.demo.sinks import csv_bytes, ts_str, write_bytes
from orchestration.pipeline.focus import columns_for_version

ACCOUNT = "aws"  # the bad rows claim to come from this account (its first sub-account)

# (defect, values replacing the good ones); "good" lines are valid rows between the bad ones
PLAN: list[tuple[str, dict[str, str | None]]] = [
    ("good", {}),
    ("non_numeric_billed_cost", {"BilledCost": "12.3x"}),
    ("good", {}),
    ("unparseable_charge_period_start", {"ChargePeriodStart": "2026-13-45"}),
    ("good", {}),
    ("wrong_field_count", {}),
    ("null_billing_currency", {"BillingCurrency": "NULL"}),
    ("good", {}),
    ("unknown_currency", {"BillingCurrency": "XYZ", "PricingCurrency": "XYZ"}),
    ("null_contracted_cost", {"ContractedCost": None}),
    ("wrong_case_charge_category", {"ChargeCategory": "usage"}),
    ("good", {}),
    ("good", {}),
]
QUARANTINED = (  # cannot be typed; the other defects are typed but break a rule
    "non_numeric_billed_cost",
    "unparseable_charge_period_start",
    "wrong_field_count",
    "null_billing_currency",
)


def write_bad_rows(company: Company, landing: Path, month: Month) -> tuple[FileInfo, BadRows]:
    acct = company.account(ACCOUNT)
    columns = columns_for_version("1.2")
    base = base_columns(acct, month)
    t = acct.templates[0]
    sub = acct.subs[0]
    app = sub.apps[0][0]
    region, region_name, _ = acct.regions[0]
    lp = acct.list_price(t)
    cp = acct.contracted_price(lp)

    def row(i: int) -> dict[str, str | None]:
        q = 24 * (i + 1)
        cost = units_str(q * cp)
        day = month.start + 86400 * i
        return {
            **{
                k: (ts_str(v, "Z") if column_kind(k) == "ts" else str(v))
                for k, v in base.items()
                if k in columns
            },
            "AvailabilityZone": acct.az_fmt.format(region=region, letter="a", num=1),
            "BilledCost": cost,
            "ChargeDescription": t.charge_description,
            "ChargePeriodStart": ts_str(day, "Z"),
            "ChargePeriodEnd": ts_str(day + 86400, "Z"),
            "ConsumedQuantity": str(q),
            "ConsumedUnit": t.unit,
            "ContractedCost": cost,
            "ContractedUnitPrice": units_str(cp),
            "EffectiveCost": cost,
            "ListCost": units_str(q * lp),
            "ListUnitPrice": units_str(lp),
            "PricingCategory": "Standard",
            "PricingCurrencyContractedUnitPrice": units_str(cp),
            "PricingCurrencyEffectiveCost": cost,
            "PricingCurrencyListUnitPrice": units_str(lp),
            "PricingQuantity": str(q),
            "PricingUnit": t.unit,
            "RegionId": region,
            "RegionName": region_name,
            "ResourceId": t.resource_prefix(region, sub.id, app) + f"bad{i:012d}",
            "ResourceName": f"{app}-{t.resource_name_part}-bad{i:04d}",
            "ResourceType": t.resource_type,
            "ServiceCategory": t.service_category,
            "ServiceSubcategory": t.service_subcategory,
            "ServiceName": t.service_name,
            "SkuId": t.sku_id,
            "SkuMeter": t.sku_meter,
            "SkuPriceId": f"{t.sku_id}-{region}",
            "SubAccountId": sub.id,
            "SubAccountName": sub.name,
            "Tags": f'{{"application":"{app}","env":"prod"}}',
        }

    records: list[list[str | None]] = []
    lines: dict[str, int] = {}
    good: list[int] = []
    for i, (what, patch) in enumerate(PLAN):
        values = {**row(i), **patch}
        fields: list[str | None] = [values.get(c) for c in columns]
        if what == "wrong_field_count":
            fields = fields[:-1]
        records.append(fields)
        if what == "good":
            good.append(i + 2)
        else:
            lines[what] = i + 2
    rel = f"billing/zz_bad_rows_{month.label}.csv"
    write_bytes(landing / rel, csv_bytes(columns, records))
    bad = BadRows(
        path=rel,
        month=month.label,
        lines=lines,
        quarantined_lines=tuple(lines[k] for k in QUARANTINED),
        flagged_lines=tuple(v for k, v in lines.items() if k not in QUARANTINED),
        good_lines=tuple(good),
    )
    info = FileInfo(
        rel,
        "billing",
        "csv",
        len(PLAN),
        "1.2",
        (acct.provider,),
        (acct.id,),
        (month.label,),
        "inject_errors: known bad rows",
    )
    return info, bad

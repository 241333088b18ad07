"""An independent reader of landing billing files, for tests.

It shares no code with the loader or dbt: Python's csv/gzip modules and pyarrow, `decimal.Decimal`
arithmetic, and its own reading of what makes a row untypeable. Tests compare the warehouse with
what this module computes straight from the files.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow.parquet as pq

REQUIRED = (
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
)
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity")
TIMES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")


@dataclass
class Record:
    path: str  # relative to the landing folder
    line: int
    values: dict[str, str | None] | None  # None: wrong number of fields


def billing_files(landing: Path) -> list[Path]:
    suffixes = (".csv", ".csv.gz", ".parquet")
    return sorted(p for p in (landing / "billing").rglob("*") if p.name.endswith(suffixes))


def read_records(landing: Path, path: Path) -> Iterator[Record]:
    rel = path.relative_to(landing).as_posix()
    if path.name.endswith(".parquet"):
        for i, row in enumerate(pq.read_table(path).to_pylist()):
            values = {k: (None if v is None else _text(v)) for k, v in row.items()}
            yield Record(rel, i + 2, values)
        return
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = next(reader)
    for row in reader:
        line = reader.line_num
        if len(row) != len(header):
            yield Record(rel, line, None)
            continue
        yield Record(
            rel,
            line,
            {h: (None if v in ("", "NULL") else v) for h, v in zip(header, row, strict=True)},
        )


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def untypeable_reason(values: dict[str, str | None] | None) -> str | None:
    """Why a record cannot be typed (the loader must quarantine it), or None."""
    if values is None:
        return "wrong number of fields"
    for name in REQUIRED:
        if values.get(name) is None:
            return f"{name} missing"
    for name in MONEY:
        if values.get(name) is not None:
            try:
                Decimal(values[name].strip())
            except InvalidOperation:
                return f"{name} not a number"
    for name in TIMES:
        if parse_time(values[name]) is None:
            return f"{name} not a timestamp"
    return None


def current_snapshot_rows(landing: Path) -> tuple[list[Record], list[Record]]:
    """(typeable rows of the latest delivery of each provider/account/period, untypeable rows).

    Files are loaded in path order, so for each (provider, billing account, billing period) the
    file that comes last in path order is the current snapshot.
    """
    good, bad = [], []
    for path in billing_files(landing):
        for record in read_records(landing, path):
            (bad if untypeable_reason(record.values) else good).append(record)
    latest: dict[tuple, str] = {}
    for record in good:
        latest[_snapshot_key(record.values)] = record.path
    current = [r for r in good if latest[_snapshot_key(r.values)] == r.path]
    return current, bad


def _snapshot_key(values: dict[str, str | None]) -> tuple:
    provider = values.get("ServiceProviderName") or values.get("ProviderName")
    return (provider, values["BillingAccountId"], parse_time(values["BillingPeriodStart"]))


def totals_by_month_and_currency(records: list[Record]) -> dict[tuple, tuple[Decimal, Decimal]]:
    """(billing month 'YYYY-MM', currency) -> (billed, effective), exact decimals."""
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in records:
        month = parse_time(r.values["BillingPeriodStart"]).strftime("%Y-%m")
        acc = totals[(month, r.values["BillingCurrency"])]
        acc[0] += Decimal(r.values["BilledCost"].strip())
        acc[1] += Decimal(r.values["EffectiveCost"].strip())
    return {k: (v[0], v[1]) for k, v in totals.items()}

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
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
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

    The snapshot rule, the tests' one reading of it: a newer billing file for the same (provider,
    billing account, billing period) supersedes the older one. Files are loaded in path order, so
    the file that comes last in path order is the current snapshot of each key it holds; the
    provider is ServiceProviderName, or ProviderName in FOCUS before 1.3.
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


# ------------------------------------------------------------------------------------------
# Invoices and the allocation's expected totals
# ------------------------------------------------------------------------------------------

STORAGE_UNIT = Decimal("1e-12")  # decimal(38, 12), the warehouse's money scale


def stored_amount(text: str) -> Decimal:
    """What the warehouse keeps of a delivered amount: 12 decimals, rounded half-even (the
    precision contract of docs/landing-and-raw.md)."""
    return Decimal(text.strip()).quantize(
        STORAGE_UNIT, rounding=ROUND_HALF_EVEN, context=Context(prec=200)
    )


@dataclass
class InvoiceLine:
    path: str
    line: int
    invoice_id: str
    invoice_line_id: str
    invoice_type: str
    vendor_name: str
    billing_account_id: str | None  # cloud invoices: the account whose month they bill
    product: str | None
    currency: str
    amount: Decimal
    service_period_start: date
    service_period_end: date  # exclusive


def invoice_files(landing: Path) -> list[Path]:
    return sorted(p for p in (landing / "invoices").rglob("*.csv"))


def invoice_lines(landing: Path) -> list[InvoiceLine]:
    """Every invoice line; a line (invoice_id, invoice_line_id) delivered again in a later file
    (path order, the load order) replaces the earlier one."""
    latest: dict[tuple[str, str], InvoiceLine] = {}
    for path in invoice_files(landing):
        rel = path.relative_to(landing).as_posix()
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        for row in reader:
            line = InvoiceLine(
                path=rel,
                line=reader.line_num,
                invoice_id=row["invoice_id"],
                invoice_line_id=row["invoice_line_id"],
                invoice_type=row["invoice_type"],
                vendor_name=row["vendor_name"],
                billing_account_id=row.get("billing_account_id") or None,
                product=row.get("product") or None,
                currency=row["currency"],
                amount=Decimal(row["amount"].strip()),
                service_period_start=date.fromisoformat(row["service_period_start"]),
                service_period_end=date.fromisoformat(row["service_period_end"]),
            )
            latest[(line.invoice_id, line.invoice_line_id)] = line
    return list(latest.values())


def cloud_invoice_lines(landing: Path) -> list[InvoiceLine]:
    """The cloud lines: each bills one billing account's month of the FOCUS files."""
    return [i for i in invoice_lines(landing) if i.invoice_type.lower() == "cloud"]


def allocated_invoice_lines(landing: Path) -> list[InvoiceLine]:
    """The SaaS and vendor lines: cloud invoices bill the same money as the FOCUS files."""
    return [i for i in invoice_lines(landing) if i.invoice_type.lower() != "cloud"]


def minor_units(currency: str) -> int | None:
    """ISO 4217 decimals of a currency (package `iso4217`), None when unknown."""
    import iso4217

    try:
        return iso4217.Currency(currency).exponent
    except ValueError:
        return None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def granule(amount: Decimal, decimals: int | None) -> Decimal:
    """What an allocation splits `amount` in: one unit of the currency's `decimals` when the
    amount is whole at it, else 10^-12."""
    if decimals is None or not 0 <= decimals <= 12:
        return STORAGE_UNIT
    unit = Decimal(1).scaleb(-decimals)
    return unit if amount % unit == 0 else STORAGE_UNIT


def largest_remainder(amount: Decimal, weights: dict, decimals: int | None) -> dict:
    """Split `amount` over `weights` (key -> integer weight > 0 in total) by Hamilton's method:
    in whole units of `decimals` when the amount is whole at them, else in 10^-12; each key gets
    floor(|amount| w / W) units and the residue units go to the largest remainders, ties to the
    larger weight, then the smaller key; the sign of the amount applies to every part."""
    unit = granule(amount, decimals)
    units = int(abs(amount) / unit)
    total = sum(weights.values())
    parts = {k: units * w // total for k, w in weights.items()}
    remainders = {k: units * w % total for k, w in weights.items()}
    residue = units - sum(parts.values())
    for key in sorted(weights, key=lambda k: (-remainders[k], -weights[k], k))[:residue]:
        parts[key] += 1
    sign = -1 if amount < 0 else 1
    return {k: sign * v * unit for k, v in parts.items()}


def amortize_by_days(
    amount: Decimal, start: date, end: date, decimals: int | None
) -> dict[str, Decimal]:
    """'YYYY-MM' -> the month's part of `amount`, in proportion to the service days
    [start, end) in each month (a period not ending after it starts counts as its first day)."""
    if end <= start:
        end = start + timedelta(days=1)
    days: dict[str, int] = {}
    month = _month_start(start)
    while month < end:
        first, after = max(start, month), min(end, _next_month(month))
        days[month.strftime("%Y-%m")] = (after - first).days
        month = _next_month(month)
    return largest_remainder(amount, days, decimals)


def allocation_totals_by_month_and_currency(
    landing: Path,
) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(billing month 'YYYY-MM', currency) -> (billed, effective) that the allocation must add up
    to: the current billing rows, plus every SaaS and vendor invoice line, billed whole in the
    month its service period starts and effective amortized by days (amortize_by_days)."""
    current, _ = current_snapshot_rows(landing)
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for key, (billed, effective) in totals_by_month_and_currency(current).items():
        totals[key][0] += billed
        totals[key][1] += effective
    for line in allocated_invoice_lines(landing):
        first = line.service_period_start.strftime("%Y-%m")
        totals[(first, line.currency)][0] += line.amount
        parts = amortize_by_days(
            line.amount,
            line.service_period_start,
            line.service_period_end,
            minor_units(line.currency),
        )
        for month, part in parts.items():
            totals[(month, line.currency)][1] += part
    return {k: (v[0], v[1]) for k, v in totals.items()}

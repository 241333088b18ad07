"""The warehouse's precision: amounts are kept with 12 decimals of their unit (decimal(38,12)), and
nothing beyond is lost silently. A value delivered with non-zero digits beyond the 12th decimal
(a .NET decimal's 28, `2.3E-13`) is stored rounded half-even to 12, and recorded in
raw.rounded_amounts with its delivered text and exact difference.

Expected values come from the file's texts with Python's Decimal (tests/landing_reader.py:
`stored_amount` is the contract, quantize(1e-12, ROUND_HALF_EVEN)), never from the loader.
"""

from __future__ import annotations

import csv
from decimal import Context, Decimal, localcontext
from pathlib import Path

from orchestration.pipeline.load import load_extract
from tests.landing_reader import billing_files, read_records, stored_amount, untypeable_reason

AWS = Path(__file__).parent / "fixtures" / "providers" / "aws"
AWS_EXPORT = AWS / "focus-1-2-with-aws-columns-2024-09.csv"
# the FOCUS columns of decimal type (the oracle's own list)
MONEY_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "ConsumedQuantity",
    "PricingQuantity",
)
# (BilledCost, EffectiveCost) of each data line of the file below, from line 2
AMOUNTS = (
    # a .NET decimal's 28 decimals (Microsoft's export)
    ("0.0928000000000000000000000001", "1.2345678901234567890123456789"),
    # half-way at the 13th decimal: to the even 12th (DuckDB's own cast rounds away from zero)
    ("0.0000000000025", "-0.0000000000035"),
    # exponent notation beyond 12 decimals, and within them (BigQuery's floats)
    ("2.3E-13", "2.3E-9"),
    # trailing zeros are not digits beyond the 12th; 1500E-15 is 0.0000000000015 (half-way)
    ("1.500000000000000000", "1500E-15"),
    # 12 decimals exactly: nothing to round
    ("7.123456789012", "0.000000000001"),
)
# amounts within 12 decimals only
WITHIN = (("1.500000000000000000", "2.3E-9"), ("7.123456789012", "0.000000000001"))


def _write_billing(landing: Path, name: str, amounts, bad_line_amount: str | None = None) -> Path:
    """The AWS fixture's first charge once per (BilledCost, EffectiveCost); with
    `bad_line_amount`, one more charge carrying it whose ChargePeriodStart is not a timestamp."""
    with AWS_EXPORT.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header, template = reader.fieldnames, next(reader)
    rows = []
    for number, (billed, effective) in enumerate(amounts):
        rows.append(
            template
            | {"BilledCost": billed, "EffectiveCost": effective, "ResourceId": f"r-{number}"}
        )
    if bad_line_amount is not None:
        rows.append(
            template
            | {
                "BilledCost": bad_line_amount,
                "ChargePeriodStart": "09/01/2024",
                "ResourceId": "bad",
            }
        )
    path = landing / "billing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _expected_roundings(landing: Path) -> list[tuple]:
    """(path, line, column, delivered, stored, difference) of every amount of a typeable record
    whose text carries digits beyond the 12th decimal, from the files' texts."""
    expected = []
    for path in billing_files(landing):
        for record in read_records(landing, path):
            if untypeable_reason(record.values):
                continue
            for column in MONEY_COLUMNS:
                text = record.values.get(column)
                if text is None:
                    continue
                delivered = Decimal(text.strip())
                stored = stored_amount(text)
                if delivered != stored:
                    expected.append(
                        (record.path, record.line, column, text.strip(), stored, delivered - stored)
                    )
    return sorted(expected)


def _recorded(con) -> list[tuple]:
    return con.execute(
        "select l.path, r.line, r.column_name, r.delivered_value, r.stored_value, "
        "r.rounding_difference from raw.rounded_amounts as r "
        "join raw.load_log as l on r.file_id = l.file_id order by all"
    ).fetchall()


def test_raw_holds_each_amount_rounded_half_even_to_12_decimals(landing, con):
    path = _write_billing(landing, "precise.csv", AMOUNTS)
    (result,) = load_extract(con, landing, "billing", "run-1")
    assert (result.rows_loaded, result.rows_quarantined) == (len(AMOUNTS), 0)
    stored = con.execute(
        "select _line, BilledCost, EffectiveCost from raw.billing order by _line"
    ).fetchall()
    expected = [
        (r.line, stored_amount(r.values["BilledCost"]), stored_amount(r.values["EffectiveCost"]))
        for r in read_records(landing, path)
    ]
    assert stored == expected
    # the half-way cases went to the even digit, not away from zero
    assert stored[1][1:] == (Decimal("0.000000000002"), Decimal("-0.000000000004"))
    assert stored[3][2] == Decimal("0.000000000002")


def test_each_rounded_amount_is_recorded_with_its_exact_difference(landing, con):
    _write_billing(landing, "precise.csv", AMOUNTS)
    (result,) = load_extract(con, landing, "billing", "run-1")
    expected = _expected_roundings(landing)
    assert _recorded(con) == expected
    assert result.amounts_rounded == len(expected) == 6
    recorded_texts = {delivered for _, _, _, delivered, _, _ in expected}
    # 28 decimals, the half-way cases and exponent notation beyond 12 decimals are counted;
    # trailing zeros, 2.3E-9 and exactly 12 decimals are not
    assert {"0.0928000000000000000000000001", "2.3E-13", "1500E-15"} <= recorded_texts
    assert not {"1.500000000000000000", "2.3E-9", "7.123456789012"} & recorded_texts


def test_the_recorded_difference_is_the_delivered_sum_minus_the_stored_sum(landing, con):
    path = _write_billing(landing, "precise.csv", AMOUNTS)
    load_extract(con, landing, "billing", "run-1")
    records = list(read_records(landing, path))
    for column in ("BilledCost", "EffectiveCost"):
        with localcontext(Context(prec=100)):  # the default 28 digits would round the sum
            delivered = sum(Decimal(r.values[column].strip()) for r in records)
        ((stored,),) = con.execute(f"select sum({column}) from raw.billing").fetchall()
        ((difference,),) = con.execute(
            "select sum(rounding_difference) from raw.rounded_amounts where column_name = ?",
            [column],
        ).fetchall()
        with localcontext(Context(prec=100)):
            assert difference == delivered - stored != 0, column


def test_a_file_without_such_amounts_records_none(landing, con):
    copy = landing / "billing" / AWS_EXPORT.name
    copy.parent.mkdir(parents=True)
    copy.write_bytes(AWS_EXPORT.read_bytes())
    _write_billing(landing, "within.csv", WITHIN)
    results = load_extract(con, landing, "billing", "run-1")
    assert _expected_roundings(landing) == []
    assert [r.amounts_rounded for r in results] == [0, 0]
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert _recorded(con) == []


def test_a_quarantined_row_records_no_rounding_and_a_reload_records_nothing_again(landing, con):
    _write_billing(landing, "precise.csv", AMOUNTS[:1], bad_line_amount="0.12345678901234567")
    (result,) = load_extract(con, landing, "billing", "run-1")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    expected = _expected_roundings(landing)
    assert [(line, column) for _, line, column, *_ in expected] == [
        (2, "BilledCost"),
        (2, "EffectiveCost"),
    ]
    assert _recorded(con) == expected
    (again,) = load_extract(con, landing, "billing", "run-2")
    assert again.status == "skipped"
    assert _recorded(con) == expected


def test_an_invoice_amount_beyond_12_decimals_is_rounded_and_recorded(landing, con):
    header = (
        "invoice_id,invoice_line_id,invoice_type,vendor_name,billing_account_id,invoice_date,"
        "service_period_start,service_period_end,currency,amount,quantity"
    )
    lines = [
        header,
        "INV-1,1,saas,Acme,acct-1,2024-10-03,2024-09-01,2024-10-01,EUR,"
        "1234.5678901234567890123456789,1",
        "INV-1,2,saas,Acme,acct-1,2024-10-03,2024-09-01,2024-10-01,EUR,10.25,2.5E-13",
    ]
    path = landing / "invoices" / "acme.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    (result,) = load_extract(con, landing, "invoices", "run-1")
    assert result.amounts_rounded == 2
    rows = list(csv.DictReader(path.open(newline="")))
    expected = sorted(
        ("invoices/acme.csv", line, column, text, stored_amount(text))
        for line, row in enumerate(rows, 2)
        for column, text in (("amount", row["amount"]), ("quantity", row["quantity"]))
        if stored_amount(text) != Decimal(text)
    )
    assert [r[:5] for r in _recorded(con)] == expected
    assert con.execute("select amount, quantity from raw.invoices order by _line").fetchall() == [
        (stored_amount(row["amount"]), stored_amount(row["quantity"])) for row in rows
    ]

"""The raw loader's bad-input matrix: one test per kind of bad input, with the exact outcome.

Each test writes its own landing file, loads it, and checks the `raw.load_log` row (status and
counts), the exact quarantine lines, columns and reasons (or the whole-file rejection and its
message), and the exact total of BilledCost that reached `raw.billing`, computed by hand. The
decision each case encodes is stated in its docstring.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.pipeline import load as loader
from orchestration.pipeline.load import load_extract
from tests.landing_reader import REQUIRED, stored_amount

# the loader's required columns, then three optional ones
COLUMNS = [*REQUIRED, "ChargeDescription", "ConsumedQuantity", "ProviderName"]
HEADER = ",".join(COLUMNS)
WIDTH = len(COLUMNS)  # 12
UTF8_REASON = (
    "not valid UTF-8: the line holds bytes that are not UTF-8 (e.g. Latin-1 text); "
    "the file must be UTF-8 encoded"
)
TS_HINT = " (ISO 8601 expected, e.g. 2026-09-01T00:00:00Z)"


def row(**values: str) -> str:
    """One CSV line of a valid usage charge; keyword arguments override fields (raw text)."""
    fields = {
        "BilledCost": "1.00",
        "EffectiveCost": "1.00",
        "BillingCurrency": "USD",
        "BillingAccountId": "acct-1",
        "BillingPeriodStart": "2026-09-01T00:00:00Z",
        "BillingPeriodEnd": "2026-10-01T00:00:00Z",
        "ChargePeriodStart": "2026-09-01T00:00:00Z",
        "ChargePeriodEnd": "2026-09-02T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeDescription": "compute",
        "ConsumedQuantity": "1",
        "ProviderName": "AWS",
    }
    fields.update(values)
    return ",".join(fields[c] for c in COLUMNS)


def write(landing: Path, name: str, data: str | bytes) -> Path:
    path = landing / "billing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def lines(*records: str) -> str:
    return "\n".join(records) + "\n"


def load_log(con) -> list[tuple]:
    return con.execute(
        "select path, status, rows_read, rows_loaded, rows_quarantined, message "
        "from raw.load_log order by file_id"
    ).fetchall()


def quarantine(con) -> list[tuple]:
    return con.execute(
        "select path, line, column_name, reason from raw.quarantine order by path, line"
    ).fetchall()


def billed(con) -> list[tuple]:
    return con.execute(
        "select _line, BilledCost from raw.billing order by _file_id, _line"
    ).fetchall()


def billed_total(con) -> Decimal:
    return con.execute("select coalesce(sum(BilledCost), 0) from raw.billing").fetchone()[0]


# --- whole-file problems ---------------------------------------------------------------------


def test_a_semicolon_separated_file_is_rejected_whole(landing, con):
    """Decision: reject the whole file. Its header reads as one column containing semicolons, so no
    row can be typed; the message says the file is not comma-separated."""
    header = HEADER.replace(",", ";")
    write(landing, "semi.csv", lines(header, row(BilledCost="2.50").replace(",", ";")))
    load_extract(con, landing, "billing", "run-1")
    message = (
        f"unreadable file: the header is one column '{header[:80]}': "
        "the file is not comma-separated"
    )
    assert load_log(con) == [("billing/semi.csv", "rejected", 0, 0, 0, message)]
    assert quarantine(con) == [("billing/semi.csv", None, None, message)]
    assert billed_total(con) == 0


def test_an_empty_file_is_rejected_and_a_header_only_file_loads_nothing(landing, con):
    """Decision: a 0-byte file (or one holding only a BOM) has no header: rejected as empty. A
    header without rows is a valid, empty export: loaded with 0 rows, nothing quarantined."""
    write(landing, "a_empty.csv", b"")
    write(landing, "b_bom_only.csv", b"\xef\xbb\xbf")
    write(landing, "c_header_only.csv", HEADER + "\n")
    write(landing, "d_header_only_no_newline.csv", HEADER)
    load_extract(con, landing, "billing", "run-1")
    empty = "unreadable file: the file is empty (no header line)"
    assert load_log(con) == [
        ("billing/a_empty.csv", "rejected", 0, 0, 0, empty),
        ("billing/b_bom_only.csv", "rejected", 0, 0, 0, empty),
        ("billing/c_header_only.csv", "loaded", 0, 0, 0, None),
        ("billing/d_header_only_no_newline.csv", "loaded", 0, 0, 0, None),
    ]
    assert quarantine(con) == [
        ("billing/a_empty.csv", None, None, empty),
        ("billing/b_bom_only.csv", None, None, empty),
    ]
    assert billed_total(con) == 0


def test_a_missing_mandatory_column_quarantines_every_row_naming_it(landing, con):
    """Decision: every row is quarantined (no row can be complete) with the column named, and the
    file's status is `rejected` with the missing columns in its message; the rows are counted."""
    columns = [c for c in COLUMNS if c != "BillingCurrency"]

    def without_currency(**values: str) -> str:
        fields = dict(zip(COLUMNS, row(**values).split(","), strict=True))
        return ",".join(fields[c] for c in columns)

    write(
        landing,
        "no_currency.csv",
        lines(",".join(columns), without_currency(), without_currency(BilledCost="2")),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [
        (
            "billing/no_currency.csv",
            "rejected",
            2,
            0,
            2,
            "missing required columns: BillingCurrency",
        )
    ]
    reason = "BillingCurrency: column is missing from the file header"
    assert quarantine(con) == [
        ("billing/no_currency.csv", 2, "BillingCurrency", reason),
        ("billing/no_currency.csv", 3, "BillingCurrency", reason),
    ]
    assert billed_total(con) == 0


def test_duplicate_header_names_reject_the_file(landing, con):
    """Decision: reject; which of two `BilledCost` columns is the cost cannot be decided."""
    write(landing, "twice.csv", lines(HEADER + ",BilledCost", row() + ",9"))
    load_extract(con, landing, "billing", "run-1")
    message = "unreadable file: the header names these columns twice: 'BilledCost'"
    assert load_log(con) == [("billing/twice.csv", "rejected", 0, 0, 0, message)]
    assert billed_total(con) == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "truncated.csv.gz",
            gzip.compress(lines(HEADER, *[row()] * 50).encode(), mtime=0)[:60],
            "corrupt or truncated gzip file: Compressed file ended before the end-of-stream "
            "marker was reached",
        ),
        (
            "not_gzip.csv.gz",
            lines(HEADER, row()).encode(),
            "corrupt or truncated gzip file: Not a gzipped file (b'Bi')",
        ),
    ],
)
def test_a_corrupt_gzip_is_rejected_whole(landing, con, name, data, message):
    """Decision: reject the whole file with the gzip error; no row of a damaged archive is
    trusted."""
    write(landing, name, data)
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [
        (f"billing/{name}", "rejected", 0, 0, 0, f"unreadable file: {message}")
    ]
    assert billed_total(con) == 0


def test_a_gzip_whose_crc_does_not_match_is_rejected(landing, con):
    """Decision: reject. DuckDB's reader does not check the gzip CRC, so a flipped bit in the data
    could change a digit silently; the loader reads the stream to its end and checks it."""
    data = bytearray(gzip.compress(lines(HEADER, row(BilledCost="3.25")).encode(), mtime=0))
    data[-8] ^= 0xFF  # the CRC32 trailer
    write(landing, "bad_crc.csv.gz", bytes(data))
    load_extract(con, landing, "billing", "run-1")
    [(path, status, read, loaded_, quarantined, message)] = load_log(con)
    assert (path, status, read, loaded_, quarantined) == (
        "billing/bad_crc.csv.gz",
        "rejected",
        0,
        0,
        0,
    )
    assert message.startswith("unreadable file: corrupt or truncated gzip file: CRC check failed")
    assert billed_total(con) == 0


def test_mixed_line_endings_reject_the_file_with_duckdbs_reason(landing, con):
    """Decision: a carriage return outside quotes in a file whose lines end with \\n stops DuckDB's
    strict reader for the whole file; the file is rejected with the reader's message."""
    write(landing, "mixed.csv", HEADER + "\n" + row() + "\r\n" + row(BilledCost="2") + "\n")
    load_extract(con, landing, "billing", "run-1")
    message = (
        "unreadable file: Invalid Input Error: The CSV Parser state machine reached an invalid "
        "state. (mixed line endings, or a carriage return outside quotes?)"
    )
    assert load_log(con) == [("billing/mixed.csv", "rejected", 0, 0, 0, message)]
    assert billed_total(con) == 0


# --- encodings --------------------------------------------------------------------------------


def test_a_utf8_bom_is_not_part_of_the_first_column_name(landing, con):
    """Decision: load normally; the BOM is stripped, so the first column is `BilledCost` (not an
    unknown `\\ufeffBilledCost` extra column, which would leave BilledCost missing)."""
    write(
        landing, "bom.csv", "\ufeff" + lines(HEADER, row(BilledCost="1.10"), row(BilledCost="2.20"))
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/bom.csv", "loaded", 2, 2, 0, None)]
    assert con.execute(
        "select count(*) from raw.billing where _extra_columns is not null"
    ).fetchone() == (0,)
    assert billed(con) == [(2, Decimal("1.10")), (3, Decimal("2.20"))]
    assert billed_total(con) == Decimal("3.30")


def test_latin1_bytes_quarantine_their_line_only(landing, con):
    """Decision: quarantine the line holding bytes that are not UTF-8, at its line, naming the
    column where DuckDB's reader met them; the rest of the file loads. Nothing is re-decoded by
    guessing the encoding."""
    data = (
        lines(HEADER, row(BilledCost="1.00")).encode()
        + row(BilledCost="5.00", ChargeDescription="Caf\u00e9 licence").encode("latin-1")
        + b"\n"
        + lines(row(BilledCost="2.00")).encode()
    )
    write(landing, "latin1.csv", data)
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/latin1.csv", "loaded", 3, 2, 1, None)]
    assert quarantine(con) == [("billing/latin1.csv", 3, "ChargeDescription", UTF8_REASON)]
    assert billed(con) == [(2, Decimal("1.00")), (4, Decimal("2.00"))]
    assert billed_total(con) == Decimal("3.00")


def test_a_header_that_is_not_utf8_rejects_the_file(landing, con):
    """Decision: reject; without a readable header no column can be matched."""
    write(landing, "latin1_header.csv", (HEADER + ",x_Caf\u00e9\n").encode("latin-1") + b"1\n")
    load_extract(con, landing, "billing", "run-1")
    message = (
        "unreadable file: the header line is not valid UTF-8 (byte 0xe9 at column "
        f"{len(HEADER) + 7} of line 1); the file must be UTF-8 encoded"
    )
    assert load_log(con) == [("billing/latin1_header.csv", "rejected", 0, 0, 0, message)]


# --- structure of the records -----------------------------------------------------------------


def test_a_truncated_last_line_is_quarantined_as_wrong_number_of_fields(landing, con):
    """Decision: the file was cut mid-row (no trailing newline); that line is quarantined as a
    wrong number of fields, named at the last field it has; the complete lines load."""
    cut = row(BilledCost="7.00")[:40]  # "7.00,7.00,USD,acct-1,2026-09-01T00:00:00"
    assert cut.count(",") + 1 == 5
    write(landing, "cut.csv", lines(HEADER, row(BilledCost="1.25"), row(BilledCost="2.50")) + cut)
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/cut.csv", "loaded", 3, 2, 1, None)]
    assert quarantine(con) == [
        ("billing/cut.csv", 4, "BillingPeriodStart", "wrong number of fields: expected 12, found 5")
    ]
    assert billed_total(con) == Decimal("3.75")


def test_a_file_cut_inside_a_quoted_value_quarantines_that_record(landing, con):
    """Decision: as above, but the cut falls inside a quoted value. DuckDB's reader drops such a
    record without reporting it; the loader notices the missing line and quarantines it."""
    cut = row(BilledCost="7.00", ChargeDescription='"a, b')  # the closing quote never came
    write(landing, "cut_in_quotes.csv", lines(HEADER, row(BilledCost="1.25")) + cut)
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/cut_in_quotes.csv", "loaded", 2, 1, 1, None)]
    reason = (
        "unterminated quoted field: the file ends inside a quoted value (truncated?); "
        "expected 12 fields, found 10"
    )
    assert quarantine(con) == [("billing/cut_in_quotes.csv", 3, "ChargeDescription", reason)]
    assert billed_total(con) == Decimal("1.25")


def test_an_unclosed_quote_mid_file_quarantines_the_rest_as_one_record(landing, con):
    """Decision: a quote that is never closed makes the rest of the file one record (that is what
    CSV says); it is quarantined, naming the lines it swallowed, rather than silently dropped."""
    write(
        landing,
        "open_quote.csv",
        lines(
            HEADER,
            row(BilledCost="1.25"),
            row(BilledCost="2.00", ChargeDescription='"oops'),
            row(BilledCost="4.00"),
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/open_quote.csv", "loaded", 2, 1, 1, None)]
    reason = (
        "unterminated quoted field: the quote opened on line 3 is never closed, so lines 3-4, "
        "up to the end of the file, are one unreadable record; expected 12 fields, found 10"
    )
    assert quarantine(con) == [("billing/open_quote.csv", 3, "ChargeDescription", reason)]
    assert billed_total(con) == Decimal("1.25")


def test_quoted_line_breaks_and_blank_lines_keep_physical_line_numbers(landing, con):
    """Decision: a line break inside a quoted value is data, and a blank line is skipped; `_line`
    and quarantine lines stay the physical line where each record starts."""
    text = (
        HEADER
        + "\n"
        + row(BilledCost="1.00", ChargeDescription='"two\nlines"')
        + "\n\n"
        + row(BilledCost="bad")
        + "\n"
        + row(BilledCost="2.00")
        + "\n"
    )
    write(landing, "breaks.csv", text)
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/breaks.csv", "loaded", 3, 2, 1, None)]
    assert quarantine(con) == [
        ("billing/breaks.csv", 5, "BilledCost", "BilledCost: 'bad' is not a valid decimal(38,12)")
    ]
    assert billed(con) == [(2, Decimal("1.00")), (6, Decimal("2.00"))]
    assert con.execute("select ChargeDescription from raw.billing where _line = 2").fetchone() == (
        "two\nlines",
    )


def test_unknown_extra_columns_are_kept_as_json(landing, con):
    """Decision: load; columns the spec does not know (a row Id, `x_` vendor columns) are kept in
    `_extra_columns` as a JSON object, with their own names and text values (null for empty)."""
    write(
        landing,
        "extra.csv",
        lines(
            HEADER + ",Id,x_Team",
            row(BilledCost="1.50") + ',17,"blue, green"',
            row(BilledCost="2.50") + ",18,",
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/extra.csv", "loaded", 2, 2, 0, None)]
    extra = con.execute("select _extra_columns from raw.billing order by _line").fetchall()
    assert [json.loads(e) for (e,) in extra] == [
        {"Id": "17", "x_Team": "blue, green"},
        {"Id": "18", "x_Team": None},
    ]
    assert billed_total(con) == Decimal("4.00")


# --- values ----------------------------------------------------------------------------------


def test_non_numeric_cost_is_quarantined_and_exponent_notation_is_exact(landing, con):
    """Decision: `12.3x` cannot be a number: quarantined with the value. `1.5E-3` and `-2.5e+1`
    are numbers written in exponent notation: loaded exactly (0.0015 and -25), never via float."""
    write(
        landing,
        "numbers.csv",
        lines(
            HEADER,
            row(BilledCost="12.3x"),
            row(BilledCost="1.5E-3"),
            row(BilledCost="-2.5e+1"),
            row(BilledCost="0.1234567891"),
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/numbers.csv", "loaded", 4, 3, 1, None)]
    assert quarantine(con) == [
        (
            "billing/numbers.csv",
            2,
            "BilledCost",
            "BilledCost: '12.3x' is not a valid decimal(38,12)",
        )
    ]
    assert billed(con) == [
        (3, Decimal("0.0015")),
        (4, Decimal("-25")),
        (5, Decimal("0.1234567891")),
    ]
    assert billed_total(con) == Decimal("-24.8750432109")


def test_thousands_separators_are_quarantined_never_guessed(landing, con):
    """Decision: `1,234.50` (quoted) could be 1234.50 or, in a European export, 1.23450; it is
    quarantined with the value in the reason. DuckDB would read `1_234.50` as 1234.50: the loader
    refuses that digit separator too."""
    write(
        landing,
        "thousands.csv",
        lines(
            HEADER,
            row(BilledCost='"1,234.50"'),
            row(BilledCost="1_234.50"),
            row(BilledCost="3.00"),
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/thousands.csv", "loaded", 3, 1, 2, None)]
    assert quarantine(con) == [
        (
            "billing/thousands.csv",
            2,
            "BilledCost",
            "BilledCost: '1,234.50' is not a valid decimal(38,12)",
        ),
        (
            "billing/thousands.csv",
            3,
            "BilledCost",
            "BilledCost: '1_234.50' is not a valid decimal(38,12)",
        ),
    ]
    assert billed_total(con) == Decimal("3.00")


def test_negative_usage_and_an_unknown_currency_are_loaded_for_staging_to_flag(landing, con):
    """Decision: load. A Usage row with a negative quantity or cost, and a currency code that is
    not ISO 4217 (`XYZ`), type fine: they are data-quality findings, flagged by staging and counted
    by the quality models, not typing errors."""
    write(
        landing,
        "rules.csv",
        lines(
            HEADER,
            row(BilledCost="-1.25", EffectiveCost="-1.25", ConsumedQuantity="-3"),
            row(BilledCost="4.00", BillingCurrency="XYZ"),
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/rules.csv", "loaded", 2, 2, 0, None)]
    assert quarantine(con) == []
    assert con.execute(
        "select _line, ChargeCategory, BilledCost, ConsumedQuantity, BillingCurrency "
        "from raw.billing order by _line"
    ).fetchall() == [
        (2, "Usage", Decimal("-1.25"), Decimal("-3"), "USD"),
        (3, "Usage", Decimal("4.00"), Decimal("1"), "XYZ"),
    ]
    assert billed_total(con) == Decimal("2.75")


def test_dates_iso_8601_variants_load_in_utc_and_other_formats_are_quarantined(landing, con):
    """Decision: ISO 8601 extended forms load, converted to UTC exactly (offsets applied, a bare
    date is midnight UTC). `09/01/2026` (September 1st or January 9th?) and other day/month orders,
    the compact `20260901` (not what FOCUS writes, and indistinguishable from an integer), slashes,
    DuckDB's `infinity`, and an offset beyond +-14:00 are quarantined with the value and the
    expected form."""
    accepted = [
        ("2026-09-01T00:00:00Z", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01T00:00:00.000Z", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01 00:00:00", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01 00:00:00 UTC", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01T02:00:00+02:00", datetime(2026, 9, 1, 0, 0)),
        ("2026-08-31T19:00:00-05:00", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01T05:30:00+0530", datetime(2026, 9, 1, 0, 0)),
        ("2026-09-01T12:34:56.789+02:00", datetime(2026, 9, 1, 10, 34, 56, 789000)),
    ]
    refused = [
        "09/01/2026",
        "01.09.2026",
        "20260901",
        "2026/09/01",
        "infinity",
        "2026-09-01T00:00:00+25:00",
    ]
    records = [
        row(BilledCost=f"{i + 1}.00", ChargePeriodStart=v) for i, (v, _) in enumerate(accepted)
    ]
    records += [row(BilledCost="100.00", ChargePeriodStart=v) for v in refused]
    write(landing, "dates.csv", lines(HEADER, *records))
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/dates.csv", "loaded", 15, 9, 6, None)]
    first_refused = 2 + len(accepted)
    assert quarantine(con) == [
        (
            "billing/dates.csv",
            first_refused + i,
            "ChargePeriodStart",
            f"ChargePeriodStart: '{v}' is not a valid timestamp{TS_HINT}",
        )
        for i, v in enumerate(refused)
    ]
    assert con.execute(
        "select _line, ChargePeriodStart from raw.billing order by _line"
    ).fetchall() == [(2 + i, expected) for i, (_, expected) in enumerate(accepted)]
    assert billed_total(con) == Decimal("45.00")  # 1 + 2 + ... + 9


# --- duplicates -------------------------------------------------------------------------------


def test_an_identical_record_repeated_in_a_file_is_quarantined_as_a_duplicate(landing, con):
    """Decision: FOCUS exports never repeat an identical charge row, and a doubled row doubles its
    cost, so the second (and any later) identical record is quarantined as `duplicate of line N`.
    Identical means every field equal as text, nulls equal whether written empty or NULL; a record
    differing in any field (here the description) is a different charge and loads."""
    first = row(BilledCost="10.00", ChargeDescription="")
    write(
        landing,
        "dupes.csv",
        lines(
            HEADER,
            first,
            row(BilledCost="2.00"),
            first,
            row(BilledCost="10.00", ChargeDescription="NULL"),
            row(BilledCost="10.00", ChargeDescription="other"),
        ),
    )
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/dupes.csv", "loaded", 5, 3, 2, None)]
    assert quarantine(con) == [
        ("billing/dupes.csv", 4, None, "duplicate of line 2"),
        ("billing/dupes.csv", 5, None, "duplicate of line 2"),
    ]
    assert billed(con) == [(2, Decimal("10.00")), (3, Decimal("2.00")), (6, Decimal("10.00"))]
    assert billed_total(con) == Decimal("22.00")


def test_the_same_rows_in_two_snapshots_of_a_period_both_load_into_raw(landing, con):
    """Decision: raw keeps every delivery. Two files for the same provider, account and period are
    two snapshots; both load and are logged, and staging keeps only the newer one."""
    body = lines(HEADER, row(BilledCost="1.50"), row(BilledCost="2.50"))
    write(landing, "aws/2026-09_delivery-1.csv", body)
    write(landing, "aws/2026-09_delivery-2.csv", body + row(BilledCost="3.00") + "\n")
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [
        ("billing/aws/2026-09_delivery-1.csv", "loaded", 2, 2, 0, None),
        ("billing/aws/2026-09_delivery-2.csv", "loaded", 3, 3, 0, None),
    ]
    assert billed_total(con) == Decimal("11.00")  # 4.00 + 7.00: history stays in raw


def test_the_same_file_landed_under_two_names_loads_once(landing, con):
    """Decision: same sha256 means same content: the second name is logged `duplicate` and loads
    nothing; a rerun of both changes nothing."""
    body = lines(HEADER, row(BilledCost="1.50"), row(BilledCost="2.50"))
    write(landing, "a.csv", body)
    write(landing, "b_copy.csv", body)
    load_extract(con, landing, "billing", "run-1")
    load_extract(con, landing, "billing", "run-2")
    assert load_log(con) == [
        ("billing/a.csv", "loaded", 2, 2, 0, None),
        (
            "billing/b_copy.csv",
            "duplicate",
            0,
            0,
            0,
            "same content as billing/a.csv, already loaded; nothing loaded again",
        ),
    ]
    assert billed_total(con) == Decimal("4.00")


# --- Parquet ---------------------------------------------------------------------------------


def _parquet(landing: Path, name: str, billed_cost: pa.Array) -> Path:
    n = len(billed_cost)
    table = pa.table(
        {
            "BilledCost": billed_cost,
            "EffectiveCost": pa.array(["1"] * n),
            "BillingCurrency": ["EUR"] * n,
            "BillingAccountId": ["acct-eu"] * n,
            "BillingPeriodStart": ["2026-09-01T00:00:00Z"] * n,
            "BillingPeriodEnd": ["2026-10-01T00:00:00Z"] * n,
            "ChargePeriodStart": [f"2026-09-{d:02d}T00:00:00Z" for d in range(1, n + 1)],
            "ChargePeriodEnd": [f"2026-09-{d:02d}T00:00:00Z" for d in range(2, n + 2)],
            "ChargeCategory": ["Usage"] * n,
        }
    )
    path = landing / "billing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def test_a_parquet_float_cost_loads_as_the_decimal_the_double_prints_as(landing, con):
    """Decision: load. A float column is not how money should be exported, but refusing it would
    drop real exports; each double comes through DuckDB's shortest round-trip text (0.1 -> '0.1',
    not 0.1000000000000000055...), then is cast to decimal like CSV text. 0.1 + 0.2 stored as the
    double 0.30000000000000004 is rounded (half-even) to the 12 decimals of the money type, 0.3,
    and the rounding recorded with its exact difference."""
    _parquet(landing, "floats.parquet", pa.array([0.1, 1234.5678, 1e-07, 0.1 + 0.2], pa.float64()))
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/floats.parquet", "loaded", 4, 4, 0, None)]
    assert billed(con) == [
        (2, Decimal("0.1")),
        (3, Decimal("1234.5678")),
        (4, Decimal("0.0000001")),
        (5, Decimal("0.3")),
    ]
    assert billed_total(con) == Decimal("1234.9678001")
    printed = repr(0.1 + 0.2)  # the double's shortest round-trip text
    assert con.execute(
        "select line, column_name, delivered_value, stored_value, rounding_difference "
        "from raw.rounded_amounts"
    ).fetchall() == [
        (
            5,
            "BilledCost",
            printed,
            stored_amount(printed),
            Decimal(printed) - stored_amount(printed),
        )
    ]


def test_a_bad_value_in_a_parquet_string_cost_is_quarantined_at_row_plus_one(landing, con):
    """Decision: Parquet has no header line, but lines are numbered as if it had one: row r
    (1-based) is line r + 1, so the tools agree with the CSV numbering."""
    _parquet(landing, "strings.parquet", pa.array(["1.10", "n/a", "2.20"]))
    load_extract(con, landing, "billing", "run-1")
    assert load_log(con) == [("billing/strings.parquet", "loaded", 3, 2, 1, None)]
    assert quarantine(con) == [
        (
            "billing/strings.parquet",
            3,
            "BilledCost",
            "BilledCost: 'n/a' is not a valid decimal(38,12)",
        )
    ]
    assert billed_total(con) == Decimal("3.30")


def test_a_corrupt_parquet_file_is_rejected_whole(landing, con):
    """Decision: reject with the reader's reason; nothing of an unreadable file is loaded."""
    write(landing, "bad.parquet", b"PAR1 this is not parquet PAR1")
    load_extract(con, landing, "billing", "run-1")
    [(path, status, read, loaded_, quarantined, message)] = load_log(con)
    assert (path, status, read, loaded_, quarantined) == (
        "billing/bad.parquet",
        "rejected",
        0,
        0,
        0,
    )
    assert message.startswith("unreadable file: ")
    assert billed_total(con) == 0


# --- bugs are not bad input -----------------------------------------------------------------


def test_a_bug_in_the_loader_fails_loudly_instead_of_rejecting_the_file(landing, con, monkeypatch):
    """Decision: only errors raised while reading the file reject it. A DuckDB Binder error (here
    provoked by a cast expression naming a column that does not exist) is a bug: load_extract
    raises, the file's transaction is rolled back (nothing logged, nothing loaded), and the
    connection stays usable."""
    write(landing, "ok.csv", lines(HEADER, row()))
    monkeypatch.setattr(loader, "_typed_expr", lambda source, sql_type: "_no_such_column")
    with pytest.raises(duckdb.BinderException):
        load_extract(con, landing, "billing", "run-1")
    assert con.execute("select count(*) from raw.load_log").fetchone() == (0,)
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    monkeypatch.undo()
    load_extract(con, landing, "billing", "run-2")
    assert load_log(con) == [("billing/ok.csv", "loaded", 1, 1, 0, None)]
    assert billed_total(con) == Decimal("1.00")


def test_every_row_of_the_matrix_ends_in_exactly_one_place(landing, con):
    """The invariant over a mixed landing: per file rows_read = rows_loaded + rows_quarantined, and
    those are the rows in raw.billing and the line-level quarantine rows of the file."""
    write(landing, "a.csv", lines(HEADER, row(), row(BilledCost="x"), row(BilledCost="2"), "1,2"))
    write(landing, "b.csv", lines(HEADER, row(BilledCost="3"), row(BilledCost="3")))
    write(landing, "c.csv", lines(HEADER, row(BilledCost="4")) + row(ChargeDescription='"x'))
    write(landing, "d.csv", b"")
    load_extract(con, landing, "billing", "run-1")
    rows = con.execute(
        "select l.path, l.rows_read, l.rows_loaded, l.rows_quarantined, "
        "(select count(*) from raw.billing as b where b._file_id = l.file_id), "
        "(select count(*) from raw.quarantine as q "
        "where q.file_id = l.file_id and q.line is not null) "
        "from raw.load_log l order by l.file_id"
    ).fetchall()
    assert rows == [
        ("billing/a.csv", 4, 2, 2, 2, 2),
        ("billing/b.csv", 2, 1, 1, 1, 1),
        ("billing/c.csv", 2, 1, 1, 1, 1),
        ("billing/d.csv", 0, 0, 0, 0, 0),
    ]
    assert billed_total(con) == Decimal("10.00")

"""The raw loader: typing, quarantine with line and column, lineage, idempotency, rejects.

Every expected value here is written out by hand from the fixture text.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.pipeline.focus import detect_version
from orchestration.pipeline.load import LandingPathError, load_extract

HEADER = (
    "BilledCost,EffectiveCost,BillingCurrency,BillingAccountId,BillingPeriodStart,"
    "BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,Tags,x_Team"
)
PERIOD = "2026-09-01T00:00:00Z,2026-10-01T00:00:00Z"


def _csv(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_rows_that_cannot_be_typed_are_quarantined_with_line_column_and_reason(landing, con):
    _csv(
        landing / "billing" / "aws.csv",
        [
            HEADER,
            f"1.50,1.25,USD,acct-1,{PERIOD},2026-09-01 00:00:00,2026-09-02 00:00:00,Usage,"
            '"{""app"":""checkout""}",blue',
            f"12.3x,1,USD,acct-1,{PERIOD},2026-09-01,2026-09-02,Usage,NULL,red",
            "1,1,USD,acct-1",
            f"2,2,NULL,acct-1,{PERIOD},2026-09-01,2026-09-02,Usage,,green",
            f"3,3,EUR,acct-1,{PERIOD},2026-13-45,2026-09-02,Usage,,green",
            f"1.5E-3,0.001,EUR,acct-1,{PERIOD},2026-09-01T02:00:00+02:00,2026-09-02,Credit,,",
        ],
    )
    (result,) = load_extract(con, landing, "billing", "run-1")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        6,
        2,
        4,
    )
    assert result.focus_version == "1.0"
    quarantine = con.execute(
        "select line, column_name, reason from raw.quarantine order by line"
    ).fetchall()
    assert quarantine == [
        (3, "BilledCost", "BilledCost: '12.3x' is not a valid decimal(38,12)"),
        (4, "BillingAccountId", "wrong number of fields: expected 11, found 4"),
        (5, "BillingCurrency", "BillingCurrency: required value is missing"),
        (
            6,
            "ChargePeriodStart",
            "ChargePeriodStart: '2026-13-45' is not a valid timestamp "
            "(ISO 8601 expected, e.g. 2026-09-01T00:00:00Z)",
        ),
    ]
    loaded = con.execute(
        "select _line, BilledCost, EffectiveCost, BillingCurrency, ChargePeriodStart, "
        "ChargeCategory, Tags, _extra_columns from raw.billing order by _line"
    ).fetchall()
    assert loaded == [
        (
            2,
            Decimal("1.5"),
            Decimal("1.25"),
            "USD",
            datetime(2026, 9, 1),
            "Usage",
            '{"app":"checkout"}',
            '{"x_Team":"blue"}',
        ),
        # exponent notation is a number; +02:00 is converted to UTC; empty x_Team is null
        (
            7,
            Decimal("0.0015"),
            Decimal("0.001"),
            "EUR",
            datetime(2026, 9, 1),
            "Credit",
            None,
            '{"x_Team":null}',
        ),
    ]
    log = con.execute(
        "select path, status, rows_read, rows_loaded, rows_quarantined from raw.load_log"
    ).fetchall()
    assert log == [("billing/aws.csv", "loaded", 6, 2, 4)]


def test_reloading_the_same_file_changes_nothing(landing, con):
    _csv(landing / "billing" / "a.csv", [HEADER, f"1,1,USD,a,{PERIOD},{PERIOD},Usage,,"])
    first = load_extract(con, landing, "billing", "run-1")
    second = load_extract(con, landing, "billing", "run-2")
    assert [r.status for r in first] == ["loaded"]
    assert [r.status for r in second] == ["skipped"]
    assert con.execute("select count(*) from raw.billing").fetchone() == (1,)
    assert con.execute("select count(*) from raw.load_log").fetchone() == (1,)


def test_the_same_file_under_another_name_is_logged_as_duplicate_and_not_loaded(landing, con):
    lines = [HEADER, f"1,1,USD,a,{PERIOD},{PERIOD},Usage,,"]
    _csv(landing / "billing" / "a.csv", lines)
    _csv(landing / "billing" / "copy_of_a.csv", lines)
    results = load_extract(con, landing, "billing", "run-1")
    assert [(r.path, r.status) for r in results] == [
        ("billing/a.csv", "loaded"),
        ("billing/copy_of_a.csv", "duplicate"),
    ]
    assert "same content as billing/a.csv" in results[1].message
    assert con.execute("select count(*) from raw.billing").fetchone() == (1,)


def test_the_logged_sha256_is_that_of_the_file_as_stored_however_it_was_read(landing, con):
    # every file is hashed as stored: plain CSV, gzip (hashed compressed) and Parquet
    lines = [HEADER, f"1,1,USD,a,{PERIOD},{PERIOD},Usage,,"]
    billing = landing / "billing"
    _csv(billing / "a.csv", lines)
    (billing / "b.csv.gz").write_bytes(
        gzip.compress("\n".join([lines[0], "2" + lines[1][1:]]).encode())
    )
    values = ["3", "3", "USD", "a", *PERIOD.split(","), *PERIOD.split(","), "Usage", None, None]
    columns = {name: [value] for name, value in zip(HEADER.split(","), values, strict=True)}
    pq.write_table(pa.table(columns), billing / "c.parquet")
    results = load_extract(con, landing, "billing", "run-1")
    assert [r.status for r in results] == ["loaded"] * 3
    logged = dict(con.execute("select path, sha256 from raw.load_log").fetchall())
    assert logged == {
        f"billing/{name}": hashlib.sha256((billing / name).read_bytes()).hexdigest()
        for name in ("a.csv", "b.csv.gz", "c.parquet")
    }
    # and the next run hashes them first, finds them and skips them
    assert [r.status for r in load_extract(con, landing, "billing", "run-2")] == ["skipped"] * 3


def test_file_ids_results_and_the_original_of_two_copies_follow_path_order(landing, con):
    # every file is hashed before any is read; what is loaded, its file id and which of two
    # same-content files counts as the original follow path order, whatever the files' sizes
    row = f"1,1,USD,a,{PERIOD},{PERIOD},Usage,,"
    billing = landing / "billing"
    _csv(billing / "a_small.csv", [HEADER, row])
    _csv(
        billing / "b_large.csv",
        [HEADER] + [f"{n},1,USD,b,{PERIOD},{PERIOD},Usage,," for n in range(2, 402)],
    )
    _csv(billing / "c_copy_of_a.csv", [HEADER, row])
    _csv(billing / "d_small.csv", [HEADER, "5" + row[1:]])
    results = load_extract(con, landing, "billing", "run-1")
    assert [(r.path, r.status, r.rows_loaded) for r in results] == [
        ("billing/a_small.csv", "loaded", 1),
        ("billing/b_large.csv", "loaded", 400),
        ("billing/c_copy_of_a.csv", "duplicate", 0),
        ("billing/d_small.csv", "loaded", 1),
    ]
    assert "same content as billing/a_small.csv" in results[2].message
    assert con.execute("select file_id, path from raw.load_log order by file_id").fetchall() == [
        (1, "billing/a_small.csv"),
        (2, "billing/b_large.csv"),
        (3, "billing/c_copy_of_a.csv"),
        (4, "billing/d_small.csv"),
    ]
    loaded = con.execute(
        "select _file_id, count(*), min(BilledCost), max(BilledCost) from raw.billing "
        "group by _file_id order by _file_id"
    ).fetchall()
    assert loaded == [(1, 1, 1, 1), (2, 400, 2, 401), (4, 1, 5, 5)]


def test_a_copy_of_a_rejected_file_under_another_name_is_logged_as_duplicate(landing, con):
    billing = landing / "billing"
    billing.mkdir(parents=True)
    (billing / "a.csv").write_text(HEADER.replace(",", ";") + "\n1;1;USD\n")
    (billing / "b.csv").write_bytes((billing / "a.csv").read_bytes())
    results = load_extract(con, landing, "billing", "run-1")
    assert [(r.path, r.status) for r in results] == [
        ("billing/a.csv", "rejected"),
        ("billing/b.csv", "duplicate"),
    ]
    assert "same content as billing/a.csv" in results[1].message
    # the rejection's quarantine row is the first file's only
    assert con.execute("select path from raw.quarantine").fetchall() == [("billing/a.csv",)]


def test_parquet_lines_are_row_numbers_after_a_header_line(landing, con):
    path = landing / "billing" / "p.parquet"
    path.parent.mkdir(parents=True)
    table = pa.table(
        {
            "BilledCost": pa.array([Decimal("1.10"), Decimal("2.20"), None], pa.decimal128(38, 10)),
            "EffectiveCost": pa.array(["1", "2", "3"]),
            "BillingCurrency": ["JPY", "JPY", "JPY"],
            "BillingAccountId": ["g", "g", "g"],
            "BillingPeriodStart": pa.array([datetime(2026, 9, 1)] * 3, pa.timestamp("us")),
            "BillingPeriodEnd": ["2026-10-01", "2026-10-01", "2026-10-01"],
            "ChargePeriodStart": ["2026-09-01", "2026-09-01", "2026-09-01"],
            "ChargePeriodEnd": ["2026-09-02", "2026-09-02", "2026-09-02"],
            "ChargeCategory": ["Usage", "Usage", "Usage"],
            "InvoiceId": ["inv-1", "inv-1", "inv-1"],
        }
    )
    pq.write_table(table, path)
    (result,) = load_extract(con, landing, "billing", "run-1")
    assert (result.focus_version, result.rows_loaded, result.rows_quarantined) == ("1.2", 2, 1)
    assert con.execute("select _line, BilledCost from raw.billing order by 1").fetchall() == [
        (2, Decimal("1.1")),
        (3, Decimal("2.2")),
    ]
    assert con.execute("select line, column_name from raw.quarantine").fetchall() == [
        (4, "BilledCost")
    ]


def test_unreadable_files_are_rejected_whole_with_a_reason(landing, con):
    billing = landing / "billing"
    billing.mkdir(parents=True)
    (billing / "a_empty.csv").write_bytes(b"")
    (billing / "b_semicolon.csv").write_text(HEADER.replace(",", ";") + "\n1;1;USD\n")
    (billing / "c_corrupt.csv.gz").write_bytes(gzip.compress(b"BilledCost\n1\n")[:15])
    _csv(billing / "d_header_only.csv", [HEADER])
    results = {r.path: r for r in load_extract(con, landing, "billing", "run-1")}
    assert results["billing/a_empty.csv"].status == "rejected"
    assert "empty" in results["billing/a_empty.csv"].message
    assert results["billing/b_semicolon.csv"].status == "rejected"
    assert "not comma-separated" in results["billing/b_semicolon.csv"].message
    assert results["billing/c_corrupt.csv.gz"].status == "rejected"
    header_only = results["billing/d_header_only.csv"]
    assert (header_only.status, header_only.rows_read) == ("loaded", 0)
    reasons = con.execute("select path, line from raw.quarantine order by path").fetchall()
    assert reasons == [
        ("billing/a_empty.csv", None),
        ("billing/b_semicolon.csv", None),
        ("billing/c_corrupt.csv.gz", None),
    ]
    assert con.execute("select count(*) from raw.billing").fetchone() == (0,)


def test_a_missing_required_column_quarantines_every_row_and_names_the_column(landing, con):
    header = HEADER.replace("BillingCurrency,", "")
    _csv(landing / "billing" / "a.csv", [header, f"1,1,a,{PERIOD},{PERIOD},Usage,,"])
    (result,) = load_extract(con, landing, "billing", "run-1")
    assert (result.status, result.rows_read, result.rows_quarantined) == ("rejected", 1, 1)
    assert result.message == "missing required columns: BillingCurrency"
    (reason,) = con.execute("select reason from raw.quarantine").fetchone()
    assert reason == "BillingCurrency: column is missing from the file header"


def test_links_out_of_the_landing_folder_are_refused(landing, tmp_path, con):
    outside = _csv(tmp_path / "elsewhere" / "x.csv", [HEADER])
    (landing / "billing").mkdir(parents=True)
    (landing / "billing" / "x.csv").symlink_to(outside)
    with pytest.raises(LandingPathError, match="outside the landing folder"):
        load_extract(con, landing, "billing", "run-1")


@pytest.mark.parametrize(
    ("columns", "version"),
    [
        (["BilledCost", "ChargeCategory"], "1.0"),
        (["BilledCost", "ServiceSubcategory"], "1.1"),
        (["BilledCost", "ServiceSubcategory", "InvoiceId"], "1.2"),
        (["BilledCost", "PricingCurrency"], "1.2"),
        (["BilledCost", "InvoiceId", "ServiceProviderName"], "1.3"),
    ],
)
def test_focus_version_is_detected_from_the_header(columns, version):
    assert detect_version(columns) == version


def test_extra_columns_keep_their_names_and_values(landing, con):
    _csv(
        landing / "telemetry" / "t.csv",
        ["usage_date,service_id,requests,Id,x_Note", "2026-09-01,checkout,1200,17,hello"],
    )
    load_extract(con, landing, "telemetry", "run-1")
    (extra,) = con.execute("select _extra_columns from raw.telemetry").fetchone()
    assert json.loads(extra) == {"Id": "17", "x_Note": "hello"}

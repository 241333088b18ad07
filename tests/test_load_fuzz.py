"""Properties of the raw loader under generated input (hypothesis).

1. Arbitrary bytes landed as a billing CSV never crash the loader: the file is loaded or rejected,
   and every row it read is in exactly one place (raw.billing or raw.quarantine).
2. Valid-looking FOCUS rows written with the csv module all load, none is invented, each keeps the
   physical line it starts on, and sum(BilledCost) equals the Decimal sum of the inputs exactly.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.pipeline.load import load_extract
from orchestration.warehouse import connect

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADER = (
    "BilledCost,EffectiveCost,BillingCurrency,BillingAccountId,BillingPeriodStart,"
    "BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeDescription,"
    "ResourceId,Tags,x_Note"
)


def _load(data: bytes, name: str):
    """Land `data` as billing/<name> in a fresh warehouse and load it.

    Returns (connection, load results, folder); `_discard` closes and removes them."""
    root = Path(tempfile.mkdtemp(prefix="tbm-fuzz-"))
    (root / "landing" / "billing").mkdir(parents=True)
    (root / "landing" / "billing" / name).write_bytes(data)
    con = connect(root / "wh.duckdb")
    try:
        return con, load_extract(con, root / "landing", "billing", "fuzz"), root
    except BaseException:
        _discard(con, root)
        raise


def _discard(con, root: Path) -> None:
    con.close()
    shutil.rmtree(root, ignore_errors=True)


# --- 1. arbitrary bytes ----------------------------------------------------------------------

# Raw bytes, and bytes after a real header (so that fuzzing reaches the record reader and the
# typing, not only the header checks), biased towards the characters that matter to CSV.
CSV_BYTES = st.lists(
    st.sampled_from([b",", b'"', b"\n", b"\r", b"\r\n", b"NULL", b"1.5", b"-", b"e", b"x"])
    | st.binary(min_size=1, max_size=4),
    max_size=80,
).map(b"".join)
RANDOM_FILES = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf"]), CSV_BYTES).map(
        lambda t: t[0] + HEADER.encode() + b"\n" + t[1]
    ),
    CSV_BYTES,
)


@FUZZ
@given(data=RANDOM_FILES, gz=st.booleans())
def test_random_bytes_never_crash_and_every_row_is_accounted_for(data: bytes, gz: bool):
    if gz:
        data = gzip.compress(data, mtime=0)
    con, results, root = _load(data, "fuzz.csv.gz" if gz else "fuzz.csv")
    try:
        [result] = results
        assert result.status in ("loaded", "rejected")
        log = con.execute(
            "select file_id, status, rows_read, rows_loaded, rows_quarantined, message "
            "from raw.load_log"
        ).fetchall()
        [(file_id, status, read, loaded, quarantined, message)] = log
        assert read == loaded + quarantined
        in_raw = con.execute(
            "select count(*) from raw.billing where _file_id = ?", [file_id]
        ).fetchone()[0]
        lines = con.execute(
            "select line from raw.quarantine where file_id = ? and line is not null order by line",
            [file_id],
        ).fetchall()
        assert in_raw == loaded
        assert len(lines) == quarantined
        assert len(set(lines)) == len(lines)  # one quarantine row per bad record
        loaded_lines = {
            line
            for (line,) in con.execute(
                "select _line from raw.billing where _file_id = ?", [file_id]
            ).fetchall()
        }
        assert loaded_lines.isdisjoint(line for (line,) in lines)
        if message and message.startswith("unreadable file: "):
            # a whole-file rejection: nothing read, one reason without a line
            reasons = con.execute(
                "select line, reason from raw.quarantine where file_id = ?", [file_id]
            ).fetchall()
            assert (status, read, reasons) == ("rejected", 0, [(None, message)])
        elif status == "rejected":
            # required columns missing from the header: every row quarantined, naming them
            assert message.startswith("missing required columns: ")
            assert loaded == 0
    finally:
        _discard(con, root)


# --- 2. valid-looking FOCUS rows -------------------------------------------------------------

AMOUNTS = st.builds(
    lambda digits, places, negative: Decimal(digits).scaleb(-places) * (-1 if negative else 1),
    st.integers(min_value=0, max_value=10**16),
    st.integers(min_value=0, max_value=10),
    st.booleans(),
)
AMOUNT_TEXT = st.tuples(AMOUNTS, st.sampled_from(["plain", "exponent", "padded"])).map(
    lambda t: (
        t[0],
        {"plain": f"{t[0]:f}", "exponent": f"{t[0]:e}", "padded": f" {t[0]:f} "}[t[1]],
    )
)
TIMES = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31))
OFFSETS = st.sampled_from([0, 2 * 60, -5 * 60, 5 * 60 + 30, 14 * 60, -12 * 60])
TOKENS = [*"abcXYZ 0129,;\"'{}:é€漢\t", "\n", "\r\n", '""', "NULL"]


def _text(crlf: bool) -> st.SearchStrategy[str | None]:
    """Optional text with commas, quotes and line breaks. A lone \\r only in CRLF files: Python's
    csv writer quotes a field for the characters of its line terminator only, so with "\\n" it
    writes a lone \\r unquoted, which is not valid CSV (the loader rejects such a file whole, as
    mixed line endings)."""
    tokens = [*TOKENS, "\r"] if crlf else TOKENS
    return st.none() | st.lists(st.sampled_from(tokens), max_size=8).map("".join)


CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "XYZ", "usd"])


def _timestamp(moment: datetime, offset_minutes: int, style: int) -> str:
    """`moment` (UTC) written in one of the accepted ISO 8601 forms."""
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style == 2:
        return moment.isoformat(timespec="microseconds") + "Z"
    local = moment + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def _rows(crlf: bool) -> st.SearchStrategy[list[tuple]]:
    return st.lists(
        st.tuples(
            AMOUNT_TEXT,
            AMOUNT_TEXT,
            CURRENCIES,
            TIMES,
            OFFSETS,
            st.integers(0, 3),
            _text(crlf),
            _text(crlf),
            st.sampled_from(["", "NULL"]),
        ),
        max_size=25,
    )


@FUZZ
@given(crlf=st.booleans(), gz=st.booleans(), data=st.data())
def test_valid_rows_all_load_exactly(crlf: bool, gz: bool, data):
    rows = data.draw(_rows(crlf), label="rows")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(HEADER.split(","))
    expected = []
    line = 2
    for i, (billed, effective, ccy, moment, offset, style, desc, note, null) in enumerate(rows):
        start = _timestamp(moment, offset, style)
        record = [
            billed[1],
            effective[1],
            ccy,
            "acct-1",
            "2026-09-01T00:00:00Z",
            "2026-10-01T00:00:00Z",
            start,
            "2026-09-02T00:00:00Z",
            "Usage",
            null if desc is None else desc,
            f"res-{i}",  # a unique resource: no two rows are the same charge
            '{"app": "checkout", "team": "a,b"}',
            null if note is None else note,
        ]
        before = buffer.tell()
        writer.writerow(record)
        text = buffer.getvalue()[before:]
        wanted_moment = moment.replace(microsecond=moment.microsecond if style == 2 else 0)
        expected.append(
            (
                line,
                billed[0],
                effective[0],
                wanted_moment.replace(tzinfo=UTC).replace(tzinfo=None),
                None if desc in (None, "", "NULL") else desc,
            )
        )
        # the next record starts after every line end this one holds (\n, \r\n or a lone \r)
        line += text.count("\n") + text.count("\r") - text.count("\r\n")
    raw = buffer.getvalue().encode("utf-8")
    if gz:
        con, [result], root = _load(gzip.compress(raw, mtime=0), "valid.csv.gz")
    else:
        con, [result], root = _load(raw, "valid.csv")
    try:
        assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
            "loaded",
            len(rows),
            len(rows),
            0,
        ), con.execute("select line, reason from raw.quarantine").fetchall()
        loaded = con.execute(
            "select _line, BilledCost, EffectiveCost, ChargePeriodStart, ChargeDescription "
            "from raw.billing order by _line"
        ).fetchall()
        assert loaded == expected
        total = con.execute("select coalesce(sum(BilledCost), 0) from raw.billing").fetchone()[0]
        assert total == sum((b[0] for b, *_ in rows), Decimal(0))
    finally:
        _discard(con, root)

"""Raw load: landing files into DuckDB `raw.*`, with lineage, quarantine and idempotency.

One file is one transaction: its `raw.load_log` row, its typed rows and its quarantined rows are
committed together or not at all, so an interrupted load leaves no half file behind and the next run
simply loads it again. Every file is hashed first (sha256): a file whose content was already
loaded is skipped or logged as a duplicate without being read.

Typing happens in DuckDB, not in Python: the file is read with every column as text under names we
generate (`c0`, `c1`, ...), so nothing from the file (header names, values, paths) is ever spliced
into SQL; the header is matched to the extract spec in Python, the values cast with `try_cast`.
A row whose value does not cast, or whose required column is null, goes to `raw.quarantine` with its
line, column and reason; the other rows go to the raw table.

What the typed columns accept, and what is quarantined rather than guessed at:
- numbers: plain or exponent notation (`1.5E-3`); thousands or digit separators (`1,234.50`,
  `1_000`) and anything else are quarantined, the value quoted in the reason;
- timestamps: ISO 8601 extended (`2026-09-01T00:00:00Z`, `2026-09-01 00:00:00`, a fraction, `Z`,
  ` UTC` or an offset such as `+02:00`, converted to UTC; a bare date is midnight UTC); day/month
  orders (`09/01/2026`), compact dates (`20260901`) and DuckDB's words (`infinity`, `epoch`) are
  quarantined. Dates (invoices, telemetry, FX rates): `YYYY-MM-DD` only;
- a record identical to an earlier one of the same file (every field, as text) is quarantined as
  `duplicate of line N`: exports never repeat a charge row, and a doubled row doubles its cost;
- a CSV line that is not UTF-8 is quarantined (`not valid UTF-8`) and the rest of the file loads;
  a header line that is not UTF-8 rejects the file.

Money and quantities are decimal(38,12): 12 decimals of the unit are the warehouse's precision. A
value delivered with non-zero digits beyond the 12th decimal (a .NET decimal's 28, `2.3E-13`) is
rounded half-even to 12 decimals, in Python's `decimal` (DuckDB's own cast rounds half away from
zero); each such value of a loaded row is recorded in `raw.rounded_amounts` with its delivered text,
its stored value and the exact difference. The values found in SQL are few, so Python does the
arithmetic and the typed select reads the result back as a bound value.

Every record of a CSV file is accounted for. DuckDB's reader is strict and puts malformed lines in
its rejects table, but it drops a last record whose quote is never closed without a word. So the
loader counts the file's physical lines in a streaming pass (which also checks a gzip's CRC, which
DuckDB does not) and compares them with the records DuckDB returned. Only when they differ (a line
break inside a quoted value, a blank line, a dropped record) is the file re-read with Python's csv
module, to number each record by the physical line it starts on and to quarantine the unterminated
record. If the two readers still disagree, the whole file is rejected rather than loaded in part.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import re
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.pipeline.csv_layout import FileRejected, csv_layout, is_gzip, match_layout
from orchestration.pipeline.extracts import EXTRACTS, ExtractSpec
from orchestration.pipeline.focus import MONEY, detect_version
from orchestration.pipeline.precision import (
    DIFFERENCE_SCALE,
    beyond_scale_candidate,
    round_beyond_scale,
)
from orchestration.warehouse.control_tables import ensure_raw_schema

SUFFIXES = (".csv", ".csv.gz", ".parquet")
NULL = ""  # how a null field is shown in a quarantined record
HEADER_MAX_BYTES = 1 << 20
# The text forms the typed columns accept (constants of this module, written into the SQL).
TIMESTAMP_PATTERN = (
    r" *[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?"
    r"( ?(Z|UTC|[+-](0[0-9]|1[0-4])(:?[0-5][0-9])?))? *"
)
DATE_PATTERN = r" *[0-9]{4}-[0-9]{2}-[0-9]{2} *"
# A number as the decimal cast reads it: integer digits, fraction digits, exponent.
HINTS = {
    "timestamp": " (ISO 8601 expected, e.g. 2026-09-01T00:00:00Z)",
    "date": " (ISO 8601 expected, e.g. 2026-09-01)",
}


# What load_extract turns into a whole-file rejection. Only the steps that read the landing file
# raise it (see `_reading`); any other error (e.g. a DuckDB Binder error) is a bug: the run fails.
UNREADABLE = (FileRejected,)
_PYTHON_READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    UnicodeDecodeError,
    csv.Error,
    pa.ArrowInvalid,
)


class LandingPathError(ValueError):
    """A path that resolves outside the landing directory."""


@dataclass(frozen=True)
class FileResult:
    extract_kind: str
    path: str
    sha256: str
    status: str  # loaded | duplicate | rejected | skipped (already loaded, nothing logged)
    focus_version: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None
    amounts_rounded: int = 0  # values beyond the money scale, rounded (raw.rounded_amounts)


def landing_files(landing: Path, kind: str) -> list[Path]:
    """Files of one extract kind, in load order (path order), all inside the landing folder."""
    root = landing.resolve()
    folder = (landing / kind).resolve()
    if not folder.is_relative_to(root):
        raise LandingPathError(f"{landing / kind} resolves outside the landing folder {root}")
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.rglob("*")):
        # a link out of the landing folder is refused loudly, a file or a folder alike (rglob
        # does not descend into linked folders, so their files would otherwise go unseen)
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise LandingPathError(
                f"{path} is a link to {path.resolve()}, outside the landing folder {root}; "
                "copy the file into the landing folder instead"
            )
        if not path.is_file() or not path.name.lower().endswith(SUFFIXES):
            continue
        if not path.resolve().is_relative_to(root):
            raise LandingPathError(
                f"{path} is a link to {path.resolve()}, outside the landing folder {root}; "
                "copy the file into the landing folder instead"
            )
        files.append(path)
    return files


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _physical_lines(path: Path) -> int:
    """The physical lines of a CSV file (`_count_lines`), counted beside DuckDB's reader."""
    with path.open("rb") as raw:
        return _count_lines(raw, is_gzip(path))


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn an error raised while reading the landing file `path` into a whole-file rejection.

    Python-side read errors (I/O, gzip, decoding, csv, Arrow) are about the file. From DuckDB, only
    what its readers raise for bad input is: invalid input, the untyped error of a corrupt Parquet
    footer or page, an unsupported Parquet feature, and an I/O error that names the file. Anything
    else (a Binder error, out of memory, a full disk) propagates and fails the run.
    """
    try:
        yield
    except FileRejected:
        raise
    except _PYTHON_READ_ERRORS as exc:
        raise FileRejected(_describe(exc, path)) from exc
    except duckdb.Error as exc:
        input_error = type(exc) in (
            duckdb.Error,
            duckdb.InvalidInputException,
            duckdb.NotImplementedException,
        ) or (isinstance(exc, duckdb.IOException) and str(path) in str(exc))
        if not input_error:
            raise
        raise FileRejected(_describe(exc, path)) from exc


def _describe(exc: BaseException, path: Path) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.replace(str(path), path.name)
    if is_gzip(path) and isinstance(exc, OSError | EOFError | zlib.error):
        return f"corrupt or truncated gzip file: {text}"
    if "state machine reached an invalid state" in text:
        return f"{text} (mixed line endings, or a carriage return outside quotes?)"
    return text


def read_header(path: Path) -> list[str]:
    """Column names of a CSV (plain or gzip) or Parquet file; [] for an empty file.

    Only the first line is decoded: a non-UTF-8 byte further down is the business of its own line
    (quarantined), while a header line that is not UTF-8 rejects the file.
    """
    if _is_parquet(path):
        return list(pq.read_schema(path).names)
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as handle:
        head = handle.read(HEADER_MAX_BYTES)
    first = re.split(rb"\r|\n", head, maxsplit=1)[0]
    if len(first) == HEADER_MAX_BYTES:
        raise FileRejected(f"the header line is longer than {HEADER_MAX_BYTES} bytes")
    first = first.removeprefix(codecs.BOM_UTF8)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"the header line is not valid UTF-8 (byte 0x{first[exc.start]:02x} at column "
            f"{exc.start + 1} of line 1); the file must be UTF-8 encoded"
        ) from exc
    row = next(csv.reader([text]), None)
    return [name.strip() for name in row] if row else []


def _count_lines(raw, gzipped: bool) -> int:
    r"""Physical lines of a CSV file (trailing blank lines not counted), in one streaming pass
    over `raw` (the file's bytes as stored).

    `\n`, `\r\n` and a lone `\r` each end a line. Reading a gzip to its end checks its CRC and
    length, which DuckDB's reader does not.
    """
    ends = trailing = 0  # line ends in the file, and in its trailing run of line ends
    content = prev_cr = False
    with gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else nullcontext(raw) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            n = _line_ends(chunk) - (prev_cr and chunk.startswith(b"\n"))
            i = len(chunk)
            while i and chunk[i - 1] in b"\r\n":
                i -= 1
            if i:
                content, trailing = True, _line_ends(chunk[i:])
            else:
                trailing += n
            ends += n
            prev_cr = chunk.endswith(b"\r")
    return ends - trailing + 1 if content else 0


def _line_ends(chunk: bytes) -> int:
    if b"\r" not in chunk:
        return chunk.count(b"\n")
    return chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")


def _typed_expr(source: str, sql_type: str) -> str:
    """Cast a text column to its raw type; `source` is one of our generated names."""
    if sql_type == "varchar":
        return source
    if sql_type == "timestamp":
        return (
            f"case when regexp_full_match({source}, '{TIMESTAMP_PATTERN}') "
            f"then timezone('UTC', try_cast(trim({source}) as timestamptz)) end"
        )
    if sql_type == "date":
        return (
            f"case when regexp_full_match({source}, '{DATE_PATTERN}') "
            f"then try_cast(trim({source}) as date) end"
        )
    # DuckDB reads `1_000` as 1000: a digit separator is not guessed at, any more than `1,000`
    return f"case when strpos({source}, '_') = 0 then try_cast(trim({source}) as {sql_type}) end"


def _typing_select(spec: ExtractSpec, positions: dict[str, int]) -> tuple[str, str]:
    """The typed select list and the list of per-row error messages, over the file's text
    columns c0, c1, ...

    The messages start with the column name and ': ' (a duplicate record is marked afterwards).
    """
    typed, errors = [], []
    for col in spec.columns:
        if col.name not in positions:
            typed.append(f"cast(null as {col.sql_type}) as {col.name}")
            if col.required:
                errors.append(f"'{col.name}: column is missing from the file header'")
            continue
        src = f"c{positions[col.name]}"
        expr = _typed_expr(src, col.sql_type)
        typed.append(f"{expr} as {col.name}")
        if col.sql_type != "varchar":
            errors.append(
                f"case when {src} is not null and {expr} is null then "
                f"'{col.name}: ''' || {src} || ''' is not a valid {col.sql_type}"
                f"{HINTS.get(col.sql_type, '')}' end"
            )
        if col.required:
            errors.append(
                f"case when {src} is null then '{col.name}: required value is missing' end"
            )
    error_list = (
        "list_filter([" + ", ".join(errors) + "], lambda x: x is not null)"
        if errors
        else "cast([] as varchar[])"
    )
    return ",\n    ".join(typed), error_list


def _csv_field(source: str) -> str:
    """A text column written back as a CSV field (quoted when needed), for quarantined records."""
    return (
        f"case when {source} is null then {NULL!r} "
        f"when strpos({source}, ',') > 0 or strpos({source}, '\"') > 0 "
        f"or strpos({source}, chr(10)) > 0 or strpos({source}, chr(13)) > 0 "
        f"then '\"' || replace({source}, '\"', '\"\"') || '\"' else {source} end"
    )


def _type_records(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    positions: dict[str, int],
    extra: list[tuple[int, str]],
    width: int,
    money: list[tuple[int, str]],
    records: str,
    path: Path,
) -> None:
    """`_typed`: the file's records typed as they are read, in one pass. One row per record
    the reader returned: `_rec` (its number, from 1), `_line` (its physical line when every record
    is one line; `_csv_rejects` corrects it otherwise), the typed columns, `_extra_columns`,
    `_errors`, `_hash` (of every field, as text), `_record` (the record as CSV text, for a
    quarantined row) and `_b{position}` for each money column (`beyond_scale_candidate`).
    The rejects of an earlier read of the file are dropped first: `tbm_rejects` holds this
    read's."""
    typed, error_list = _typing_select(spec, positions)
    params: dict[str, object] = {"path": str(path)}
    extra_json = "cast(null as varchar)"
    if extra:
        values = ", ".join(f"c{i}" for i, _ in extra)
        extra_json = f"to_json(map($extra::varchar[], [{values}]))"
        params["extra"] = [name for _, name in extra]
    text_cols = ", ".join(f"c{i}" for i in range(width))
    record = _record(width)
    cols = ", ".join(c.name for c in spec.columns)
    candidates = "".join(f", {beyond_scale_candidate(f'c{p}')} as _b{p}" for p, _ in money)
    candidate_cols = "".join(f", _b{p}" for p, _ in money)
    con.execute("drop table if exists tbm_rejects; drop table if exists tbm_rejects_scan")
    # the rows of `_typed` keep the order the reader returned them in (`_type_in_parallel`)
    con.execute("set session preserve_insertion_order = true")
    try:
        con.execute(
            "create or replace temp table _typed as "
            f"select _rec, _rec + 1 as _line, {cols}, _extra_columns, _errors, _hash, "
            f"case when len(_errors) > 0 then {record} end as _record{candidate_cols} "
            f"from (select _rec, {text_cols}, {typed}, {extra_json} as _extra_columns, "
            f"{error_list} as _errors, hash({text_cols}) as _hash{candidates} from {records})",
            params,
        )
    finally:
        con.execute("reset session preserve_insertion_order")


def _type_in_parallel(
    con: duckdb.DuckDBPyConnection,
    type_records: Callable[[str], None],
    width: int,
    physical_lines: Future[int],
) -> bool:
    """`type_records` (`_type_records` of the file) over the CSV file read in parallel, its rows
    then numbered by their rowids; False, leaving the file to the serial reader, unless that read
    was clean: every line after the header one record, none rejected, and the rowids able to
    number the rows.

    The parallel reader gives up on, or words differently, some malformed files (mixed line
    endings, an unclosed quote) that the serial reader reads line by line; any file with such a
    line is typed again serially, so its verdicts are the serial reader's."""
    try:
        type_records(_csv_records(width, numbered=False))
    except duckdb.InvalidInputException:
        clean = False
    else:
        ((rows, least, greatest),) = con.execute(
            "select count(*), min(rowid), max(rowid) from _typed"
        ).fetchall()
        rejected = (
            _has_rejects(con) and con.execute("select count(*) from tbm_rejects").fetchall()[0][0]
        )
        # With insertion order preserved, a materialized table's rowid order is the order its rows
        # were inserted in (DuckDB, "Order Preservation"). n distinct rowids spanning n values
        # are each value of the span: the k-th row's rowid is the least plus k - 1.
        clean = (
            not rejected
            and physical_lines.result() == 1 + rows
            and (not rows or greatest - least + 1 == rows)
        )
    if clean:
        con.execute(
            "update _typed set _rec = rowid - $least + 1, _line = rowid - $least + 2",
            {"least": least or 0},
        )
    return clean


def _record(width: int) -> str:
    """The record as one CSV line of its text fields c0..c{width-1}."""
    return "concat_ws(',', " + ", ".join(_csv_field(f"c{i}") for i in range(width)) + ")"


def _mark_duplicates(con: duckdb.DuckDBPyConnection, width: int, records: str, path: Path) -> None:
    """Mark each record identical to an earlier one of the file (every field equal, as text) a
    `duplicate of line N` in `_typed`.

    The hash of all the fields, taken as the rows were typed, finds the candidates; only when
    there are any is the file read again, for those records' text, and among them the first line
    holding the very same record is found."""
    con.execute(
        "create or replace temp table _candidates as select _rec, _line from _typed "
        "where _hash in (select _hash from _typed group by _hash having count(*) > 1)"
    )
    ((candidates,),) = con.execute("select count(*) from _candidates").fetchall()
    if not candidates:
        return
    text_cols = ", ".join(f"s.c{i}" for i in range(width))
    con.execute("drop table if exists tbm_rejects; drop table if exists tbm_rejects_scan")
    with _reading(path):
        con.execute(
            "create or replace temp table _first as select _line, _first_line, _text from ("
            f"select c._line, min(c._line) over (partition by {text_cols}) as _first_line, "
            f"{_record(width)} as _text from {records} as s join _candidates as c using (_rec)) "
            "where _first_line < _line",
            {"path": str(path)},
        )
    con.execute(
        "update _typed set _errors = list_append(_typed._errors, "
        "'duplicate of line ' || _first._first_line), _record = _first._text "
        "from _first where _typed._line = _first._line"
    )


def _load_file(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    path: Path,
    rel: str,
    sha: str,
    file_id: int,
    run_id: str,
) -> FileResult:
    """Load one file: type it, then write it in a transaction of its own."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with _reading(path):
        header = read_header(path)
    if not header or header == [""]:
        raise FileRejected("the file is empty (no header line)")
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        names = ", ".join(repr(n) for n in duplicates)
        raise FileRejected(f"the header names these columns twice: {names}")
    positions = {name: i for i, name in enumerate(header) if name in spec.by_name}
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    if missing and len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise FileRejected(
            f"the header is one column '{header[0][:80]}': the file is not comma-separated"
        )
    version = detect_version(header) if spec.kind == "billing" else None
    extra = [(i, name) for i, name in enumerate(header) if name not in spec.by_name]
    width = len(header)

    parquet = _is_parquet(path)
    money = [
        (positions[c.name], c.name)
        for c in spec.columns
        if c.sql_type == MONEY and c.name in positions
    ]
    records = _parquet_records(width) if parquet else _csv_records(width)
    # DuckDB and the file reads release the GIL: the count runs beside the typing pass
    type_records = partial(_type_records, con, spec, positions, extra, width, money, path=path)
    with ThreadPoolExecutor(max_workers=1) as background:
        counting = None if parquet else background.submit(_physical_lines, path)
        with _reading(path):
            if parquet or not _type_in_parallel(con, type_records, width, counting):
                type_records(records)
            physical_lines = counting.result() if counting else None
    # the typing pass ran outside the transaction: a parallel read that gives up aborts nothing
    with _transaction(con):
        csv_quarantined = (
            0 if parquet else _csv_rejects(con, path, header, file_id, rel, now, physical_lines)
        )
        rounded = round_beyond_scale(con, "_typed", money) if money else []
        if rounded:
            # the value Python rounded half-even replaces the one DuckDB's cast rounded
            sets = ", ".join(
                f"{name} = case when r._r{position} is not null and _typed.{name} is not null "
                f"then try_cast(r._r{position} as {MONEY}) else _typed.{name} end"
                for position, name in money
                if position in rounded
            )
            con.execute(
                f"update _typed set {sets} from _rounded_lines as r where _typed._line = r._line"
            )
        _mark_duplicates(con, width, records, path)
        cols = ", ".join(c.name for c in spec.columns)
        # In no order (sorting the file's rows cost more than typing them), and without the buffers
        # that keeping the order of a parallel insert needs; for this statement only.
        con.execute("set session preserve_insertion_order = false")
        try:
            con.execute(
                f"insert into {spec.table} (_file_id, _line, {cols}, _extra_columns) "
                f"select ?, _line, {cols}, _extra_columns from _typed where len(_errors) = 0",
                [file_id],
            )
        finally:
            con.execute("reset session preserve_insertion_order")
        con.execute(
            "insert into raw.quarantine "
            "select ?, ?, _line, "
            "nullif(regexp_extract(_errors[1], '^([A-Za-z_][A-Za-z0-9_]*): ', 1), ''), "
            "array_to_string(_errors, '; '), _record, ? from _typed where len(_errors) > 0 "
            "order by _line",
            [file_id, rel, now],
        )
        if rounded:
            con.execute(
                "insert into raw.rounded_amounts "
                "select ?, r._line, r.column_name, r.delivered_value, "
                f"cast(r.stored_value as {MONEY}), cast(r.rounding_difference as decimal(38, "
                f"{DIFFERENCE_SCALE})) from _rounded as r join _typed as t using (_line) "
                "where len(t._errors) = 0 order by r._line, r.position",
                [file_id],
            )
        ((amounts_rounded,),) = con.execute(
            "select count(*) from raw.rounded_amounts where file_id = ?", [file_id]
        ).fetchall()
        loaded, bad = con.execute(
            "select count(*) filter (where len(_errors) = 0), "
            "count(*) filter (where len(_errors) > 0) from _typed"
        ).fetchone()
        quarantined = bad + csv_quarantined
        message = f"missing required columns: {', '.join(missing)}" if missing else None
        status = "rejected" if missing else "loaded"
        result = FileResult(
            spec.kind,
            rel,
            sha,
            status,
            version,
            loaded + quarantined,
            loaded,
            quarantined,
            message,
            amounts_rounded,
        )
        log_file(con, file_id, run_id, result, path, now)
    return result


def _drop_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop a file's working copies, so they are not kept until the next file replaces them;
    `_typed` is made outside the file's transaction, so a rejection does not drop it."""
    con.execute(
        "drop table if exists _typed; drop table if exists _candidates; "
        "drop table if exists _first; "
        "drop table if exists _good_lines; drop table if exists _reject_steps; "
        "drop table if exists _rejects; drop table if exists tbm_rejects; "
        "drop table if exists _rounded; drop table if exists _rounded_lines; "
        "drop table if exists tbm_rejects_scan"
    )


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit what the block wrote, or nothing of it if it raises (a rejected file or a bug)."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _parquet_records(width: int) -> str:
    """The Parquet file `$path` as text columns c0..c{width-1} with `_rec` (row number + 1).

    A float column comes through DuckDB's shortest round-trip text of the double (0.1 -> '0.1',
    1e-07 -> '1e-07'), then is cast to decimal like CSV text: the value is exactly the decimal the
    double prints as; digits the double never held cannot be recovered.
    """
    cols = ", ".join(f"cast(#{i + 1} as varchar) as c{i}" for i in range(width))
    return (
        f"(select {cols}, file_row_number + 1 as _rec "
        "from read_parquet($path, file_row_number = true))"
    )


def _csv_records(width: int, numbered: bool = True) -> str:
    """The CSV file `$path`'s records after the header, as text columns c0..c{width-1}, numbered
    `_rec` from 1 in file order (read serially), or with a null `_rec` (read in parallel); the
    lines DuckDB's reader rejects go to `tbm_rejects`."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    rec = "row_number() over ()" if numbered else "null"
    return (
        f"(select *, cast({rec} as bigint) as _rec from read_csv($path, "
        "header = false, skip = 1, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {columns}, nullstr = ['NULL', ''], "
        f"parallel = {str(not numbered).lower()}, "
        "ignore_errors = true, store_rejects = true, rejects_table = 'tbm_rejects', "
        "rejects_scan = 'tbm_rejects_scan', strict_mode = true))"
    )


_NO_REJECTS = (
    "select null::bigint as line, null::bigint as column_idx, null::bigint as found, "
    "null::varchar as error_type, null::varchar as error_message, null::varchar as csv_line "
    "where false"
)
_REJECTS = (
    "select line, min(column_idx)::bigint as column_idx, "
    # DuckDB logs a missing-columns line once per missing column from the number found, and a
    # too-many-columns line once per extra column up to the number found
    "(case when bool_or(error_type = 'TOO MANY COLUMNS') then max(column_idx) "
    "else min(column_idx) end)::bigint as found, "
    "arg_min(error_type, column_idx) as error_type, "
    "arg_min(error_message, column_idx) as error_message, "
    "trim(any_value(csv_line), chr(13) || chr(10)) as csv_line "
    "from tbm_rejects group by line"
)
_REJECT_REASON = (
    "case when r.error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS') "
    "then 'wrong number of fields: expected ' || ? || ', found ' || r.found "
    "when r.error_type = 'INVALID ENCODING' "
    "then 'not valid UTF-8: the line holds bytes that are not UTF-8 (e.g. Latin-1 text); "
    "the file must be UTF-8 encoded' "
    "when r.error_type = 'UNQUOTED VALUE' "
    "then 'malformed quoting: text follows the closing quote of a quoted value' "
    "else lower(r.error_type) || ': ' || r.error_message end"
)


def _has_rejects(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the CSV reader made its rejects table (`tbm_rejects`), as it does when it rejects
    a line."""
    # (fetchall: DuckDB keeps a fetchone() result open, which blocks a later `register`)
    ((tables,),) = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'tbm_rejects'"
    ).fetchall()
    return bool(tables)


def _csv_rejects(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: list[str],
    file_id: int,
    rel: str,
    now: datetime,
    physical_lines: int,
) -> int:
    """After the typing pass over a CSV file: quarantine the lines DuckDB's reader rejected (and
    the record it dropped), give each row of `_typed` its physical `_line` when a record is not
    one line; return how many lines were quarantined here (`_physical_lines` counted the file)."""
    width = len(header)
    # one row per rejected line (DuckDB's numbering); `found`: how many fields it saw there
    con.execute(
        f"create or replace temp table _rejects as {_REJECTS if _has_rejects(con) else _NO_REJECTS}"
    )
    reject_lines = con.execute(
        "select line::bigint as line from _rejects order by line"
    ).fetchnumpy()["line"]
    reject_lines = np.asarray(reject_lines, dtype=np.int64)
    ((good,),) = con.execute("select count(*) from _typed").fetchall()
    dropped = None
    if physical_lines == 1 + good + len(reject_lines):
        # one record per physical line: DuckDB's numbering is the physical one
        reject_physical = reject_lines
        _number_lines_by_rejects(con, reject_lines)
    else:
        with _reading(path):
            layout = csv_layout(path, width)
        good_lines, reject_physical, dropped = match_layout(layout, reject_lines, good, header)
        con.register("_arrow", pa.table({"_rec": np.arange(1, good + 1), "_line": good_lines}))
        con.execute("create or replace temp table _good_lines as select * from _arrow")
        con.unregister("_arrow")
        con.execute(
            "update _typed set _line = g._line from _good_lines as g where _typed._rec = g._rec"
        )
    con.register("_reject_map", pa.table({"dline": reject_lines, "line": reject_physical}))
    con.execute(
        "insert into raw.quarantine "
        f"select ?, ?, m.line, (?::varchar[])[r.column_idx], {_REJECT_REASON}, r.csv_line, ? "
        "from _rejects as r join _reject_map as m on m.dline = r.line order by m.line",
        [file_id, rel, header, width, now],
    )
    con.unregister("_reject_map")
    if dropped is not None:
        con.execute(
            "insert into raw.quarantine values (?, ?, ?, ?, ?, ?, ?)",
            [file_id, rel, *dropped, now],
        )
    return len(reject_lines) + (dropped is not None)


def _number_lines_by_rejects(con: duckdb.DuckDBPyConnection, reject_lines: np.ndarray) -> None:
    """Each row of `_typed` after a rejected line moved down by the rejected lines before it,
    when each record is one physical line.

    Good record k (1-based) sits after rejected line r_i (i-th reject, 0-based) when
    r_i - 1 - i <= k, so its line is k + 1 + the number of such rejects.
    """
    if not len(reject_lines):
        return
    after = {int(line) - 1 - i: i + 1 for i, line in enumerate(reject_lines)}
    steps = pa.table(
        {"k": pa.array(list(after), pa.int64()), "n": pa.array(list(after.values()), pa.int64())}
    )
    con.register("_arrow", steps)
    con.execute("create or replace temp table _reject_steps as select * from _arrow")
    con.unregister("_arrow")
    con.execute(
        "update _typed set _line = m._line from ("
        "select t._rec, t._rec + 1 + r.n as _line "
        "from _typed as t asof join _reject_steps as r on t._rec >= r.k) as m "
        "where _typed._rec = m._rec"
    )


def log_file(
    con, file_id: int, run_id: str, r: FileResult, path: Path | None, now: datetime
) -> None:
    """One row of raw.load_log. landed_at is when the file arrived in the landing folder (its
    modification time, UTC): the start of the allocation latency (docs/metrics.md)."""
    stat = path.stat() if path is not None else None
    landed_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None) if stat else now
    con.execute(
        "insert into raw.load_log (file_id, run_id, extract_kind, path, sha256, file_bytes, "
        "focus_version, status, rows_read, rows_loaded, rows_quarantined, message, loaded_at, "
        "landed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id,
            run_id,
            r.extract_kind,
            r.path,
            r.sha256,
            stat.st_size if stat else 0,
            r.focus_version,
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            r.message,
            now,
            landed_at,
        ],
    )


def load_extract(
    con: duckdb.DuckDBPyConnection, landing: Path, kind: str, run_id: str
) -> list[FileResult]:
    """Load every new file of one extract kind, in path order; one transaction per file.

    Every file is hashed before it is read: a content already logged under this path is skipped
    unread, under another path logged as a duplicate unread. One file at a time, each read on
    every core DuckDB has (two typing passes at once ran out of the 2GB default at 50M rows).
    """
    spec = EXTRACTS[kind]
    ensure_raw_schema(con)
    ((file_id,),) = con.execute("select coalesce(max(file_id), 0) + 1 from raw.load_log").fetchall()
    results = []
    for path in landing_files(landing, kind):
        rel = path.relative_to(landing).as_posix()
        sha = sha256_of(path)
        seen = _paths_logged_with(con, sha)
        if rel in seen:
            results.append(FileResult(kind, rel, sha, "skipped"))
            continue
        if seen:
            result = _duplicate(kind, rel, sha, seen[0])
            _log_unloaded(con, file_id, run_id, result, path)
        else:
            try:
                result = _load_file(con, spec, path, rel, sha, file_id, run_id)
            except UNREADABLE as exc:
                message = f"unreadable file: {str(exc) or type(exc).__name__}"
                result = FileResult(kind, rel, sha, "rejected", message=message)
                _log_unloaded(con, file_id, run_id, result, path)
            finally:
                _drop_working_tables(con)
        results.append(result)
        file_id += 1
    return results


def _log_unloaded(
    con: duckdb.DuckDBPyConnection, file_id: int, run_id: str, result: FileResult, path: Path
) -> None:
    """Log a file that loaded nothing (a duplicate, a rejected file) in a transaction of its own;
    a rejected file's reason also goes to raw.quarantine."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with _transaction(con):
        log_file(con, file_id, run_id, result, path, now)
        if result.status == "rejected":
            con.execute(
                "insert into raw.quarantine values (?, ?, null, null, ?, null, ?)",
                [file_id, result.path, result.message, now],
            )


def _paths_logged_with(con: duckdb.DuckDBPyConnection, sha: str) -> list[str]:
    """The paths logged with this content, oldest first."""
    rows = con.execute(
        "select path from raw.load_log where sha256 = ? order by file_id", [sha]
    ).fetchall()
    return [path for (path,) in rows]


def _duplicate(kind: str, rel: str, sha: str, first: str) -> FileResult:
    return FileResult(
        kind,
        rel,
        sha,
        "duplicate",
        message=f"same content as {first}, already loaded; nothing loaded again",
    )


def no_billing_verdict(con: duckdb.DuckDBPyConnection, landing: Path) -> str | None:
    """Why the warehouse holds no billing row at all (no billing file loaded a row, in any run),
    or None when it holds some: then there is nothing to build, gate or publish.

    The verdict names each billing file logged and what became of it (a rejected file and its
    reason, a file whose rows were all quarantined, a header-only file), or says that the
    landing folder has no billing file.
    """
    ensure_raw_schema(con)
    if con.execute("select count(*) from raw.billing").fetchone()[0]:
        return None
    files = con.execute(
        "select path, status, rows_read, rows_quarantined, message from raw.load_log "
        "where extract_kind = 'billing' order by file_id"
    ).fetchall()
    if not files:
        return f"no billing data loaded: no billing file in {landing / 'billing'}"
    reasons = []
    for path, status, read, quarantined, message in files:
        if status == "rejected" or status == "duplicate":
            reason = f"{status}: {message}" if message else status
        elif quarantined:
            reason = f"all {quarantined:,} rows quarantined (see raw.quarantine)"
        else:
            reason = "no data rows" if not read else f"{read:,} rows read, none loaded"
        reasons.append(f"{path}: {reason}")
    return "no billing data loaded: " + "; ".join(reasons)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]

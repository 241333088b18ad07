"""`write_focus_rows`: a billing file of given rows in a FOCUS version (for tests)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.demo.batch import column_kind
from orchestration.demo.money import MONEY_TYPE, TS_TYPE
from orchestration.demo.sinks import csv_bytes
from orchestration.pipeline.focus import columns_for_version

Fmt = Literal["csv", "csv.gz", "parquet"]


def write_focus_rows(
    path: Path | str,
    rows: list[dict[str, str | None]],
    version: str,
    fmt: Fmt = "csv",
    *,
    null: str = "",
    typed_parquet: bool = True,
) -> Path:
    """Write `rows` (FOCUS column -> string or None) as a billing file of `version`.

    The columns are those of `columns_for_version(version)` in that order, followed by any other
    key found in `rows` (e.g. `Id`, `x_...`; first-seen order). Missing keys are null.
    CSV / CSV.gz: null is written as `null` ("" or "NULL"), quoting as needed (gzip mtime 0).
    Parquet: with `typed_parquet`, money columns are decimal128(38,10) (parsed with Decimal) and
    timestamps timestamp[us, UTC] (ISO 8601, `Z`/offset/space accepted); otherwise all strings.
    """
    path = Path(path)
    columns = columns_for_version(version)
    extra = list(dict.fromkeys(k for r in rows for k in r if k not in columns))
    columns = [*columns, *extra]
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "csv.gz"):
        data = csv_bytes(columns, [[r.get(c) for c in columns] for r in rows], null)
        if fmt == "csv.gz":
            out = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
                gz.write(data)
            data = out.getvalue()
        path.write_bytes(data)
        return path
    if fmt != "parquet":
        raise ValueError(f"unknown format {fmt!r}")
    arrays = []
    fields = []
    for c in columns:
        values = [r.get(c) for r in rows]
        kind = column_kind(c) if typed_parquet else "text"
        if kind == "money":
            arrays.append(pa.array([None if v is None else Decimal(v) for v in values], MONEY_TYPE))
        elif kind == "ts":
            arrays.append(pa.array([None if v is None else _parse_ts(v) for v in values], TS_TYPE))
        else:
            arrays.append(pa.array(values, pa.string()))
        fields.append(pa.field(c, arrays[-1].type))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)
    return path


def _parse_ts(value: str) -> dt.datetime:
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)

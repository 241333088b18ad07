"""Writing files: billing sinks (CSV with the quoting and null literal under our control, and
Parquet) fed batch by batch, and a plain CSV writer for the small extracts. Every file is written
as `<name>.part` and renamed when complete."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.demo.batch import NULL, Batch, Col, column_kind
from orchestration.demo.money import MONEY_TYPE, SCALE, TS_TYPE, dec_units, units_dec, units_str

GZIP_LEVEL = 3
_TS_SUFFIX = {"Z": "Z", "space": "", "offset": "+00:00"}


def csv_escape(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_text(arr: pa.Array) -> pa.Array:
    arr = arr.cast(pa.string())
    need = pc.match_substring_regex(arr, '[",\r\n]')
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _money_text(arr: pa.Array, trim: bool) -> pa.Array:
    """Exact plain decimal strings (pyarrow's own decimal->string cast may use exponents)."""
    v = dec_units(arr)
    neg = v < 0
    a = np.abs(v)
    ip = pc.cast(pa.array(a // SCALE), pa.string())
    fp = pc.utf8_lpad(pc.cast(pa.array(a % SCALE), pa.string()), width=10, padding="0")
    if trim:
        s = pc.utf8_rtrim(
            pc.binary_join_element_wise(ip, pc.utf8_rtrim(fp, characters="0"), "."), characters="."
        )
    else:
        s = pc.binary_join_element_wise(ip, fp, ".")
    if neg.any():
        s = pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", s, ""), s)
    if arr.null_count:
        s = pc.if_else(pc.is_valid(arr), s, pa.scalar(None, pa.string()))
    return s


def ts_str(secs: int, style: str) -> str:
    """Epoch seconds as text: style Z (ISO 8601, Z), space (no T, no zone) or offset (+00:00)."""
    text = dt.datetime.fromtimestamp(int(secs), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if style == "space":
        text = text.replace("T", " ")
    return text + _TS_SUFFIX[style]


def _ts_text(arr: pa.Array, style: str) -> pa.Array:
    secs = arr.cast(pa.timestamp("s", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    text = np.datetime_as_string(secs.astype("datetime64[s]"), unit="s")
    if style == "space":
        text = np.char.replace(text, "T", " ")
    out = pa.array(text.astype(object) + _TS_SUFFIX[style], pa.string())
    if arr.null_count:
        out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    return out


@dataclass(frozen=True)
class CsvStyle:
    null: str = ""  # the null literal ("" or "NULL")
    ts: str = "Z"  # Z | space | offset
    trim_money: bool = True


class CsvSink:
    def __init__(self, path: Path, columns: list[str], style: CsvStyle, gz: bool) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.columns = columns
        self.style = style
        self.rows = 0
        self._raw = open(self.tmp, "wb")  # closed in close()
        self._out: Any = self._raw
        if gz:
            self._out = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=GZIP_LEVEL, mtime=0
            )
        self._out.write((",".join(columns) + "\n").encode())
        # formatted pool-level runs; the value keeps its source arrays alive (ids stay unique)
        self._runs: dict[tuple[int, ...], tuple[list[Any], pa.Array]] = {}

    def _const(self, name: str, value: Any) -> str:
        if value is None:
            return self.style.null
        kind = column_kind(name)
        if kind == "money":
            return units_str(value, self.style.trim_money)
        if kind == "ts":
            return ts_str(value, self.style.ts)
        return csv_escape(str(value))

    def _format(self, name: str, arr: pa.Array) -> pa.Array:
        kind = column_kind(name)
        if kind == "money":
            return _money_text(arr, self.style.trim_money)
        if kind == "ts":
            return _ts_text(arr, self.style.ts)
        return _csv_text(arr)

    def write(self, batch: Batch) -> None:
        n = batch.n
        if n == 0:
            return
        null = self.style.null
        pieces: list[tuple[str, Any, Any]] = []  # (level, value, key)
        run: list[tuple[str, Col]] = []
        run_key: list[Any] = [None]
        memo: dict[tuple[int, str], pa.Array] = {}

        def flush() -> None:
            if not run:
                return
            if run_key[0] is None:
                pieces.append(("const", ",".join(self._const(nm, c.data) for nm, c in run), None))
            else:
                cache_key = tuple(id(c.data) for _, c in run)
                hit = self._runs.get(cache_key)
                if hit is None:
                    parts = [
                        self._format(nm, c.data)
                        if c.is_array
                        else pa.scalar(self._const(nm, c.data))
                        for nm, c in run
                    ]
                    joined = pc.binary_join_element_wise(
                        *parts, ",", null_handling="replace", null_replacement=null
                    )
                    if len(self._runs) > 256:
                        self._runs.clear()
                    hit = self._runs[cache_key] = ([c.data for _, c in run], joined)
                pieces.append(("keyed", hit[1], run_key[0]))
            run.clear()
            run_key[0] = None

        for name in self.columns:
            if name == "Id":
                flush()
                ids = pa.array(np.arange(self.rows + 1, self.rows + n + 1, dtype=np.int64))
                pieces.append(("row", ids.cast(pa.string()), None))
                continue
            col = batch.cols.get(name, NULL)
            if col.is_array and col.key is None:
                flush()
                memo_key = (id(col.data), column_kind(name))
                if memo_key not in memo:
                    memo[memo_key] = self._format(name, col.data)
                pieces.append(("row", memo[memo_key], None))
            elif col.is_array:
                if run_key[0] is not None and run_key[0] is not col.key:
                    flush()
                run_key[0] = col.key
                run.append((name, col))
            else:
                run.append((name, col))
        flush()

        # the line ends with the last piece: append the newline there when it is not per row
        extra_newline = False
        level, value, key = pieces[-1]
        if level == "const":
            pieces[-1] = (level, value + "\n", key)
        elif level == "keyed":
            pieces[-1] = (level, pc.binary_join_element_wise(value, "\n", ""), key)
        else:
            extra_newline = True
        keys: dict[int, pa.Array] = {}
        values = []
        for level, value, key in pieces:
            if level == "const":
                values.append(pa.scalar(value))
            elif level == "keyed":
                if id(key) not in keys:
                    keys[id(key)] = pa.array(key)
                values.append(pc.take(value, keys[id(key)]))
            else:
                values.append(value)
        line = pc.binary_join_element_wise(
            *values, ",", null_handling="replace", null_replacement=null
        )
        if isinstance(line, pa.Scalar):
            line = pa.array([line.as_py()] * n, pa.string())
        if extra_newline:
            line = pc.binary_join_element_wise(line, "", "\n")
        offsets = np.frombuffer(
            line.buffers()[1], dtype=np.int32, count=len(line) + 1, offset=line.offset * 4
        )
        data = line.buffers()[2]
        self._out.write(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
        self.rows += n

    def close(self, publish: bool = True) -> None:
        """Finish the file; `publish=False` (after an error) deletes it instead."""
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()
        _finish(self.tmp, self.path, publish)


def arrow_type(name: str) -> pa.DataType:
    return {"money": MONEY_TYPE, "ts": TS_TYPE}.get(column_kind(name), pa.string())


class ParquetSink:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.columns = columns
        self.schema = pa.schema([pa.field(c, arrow_type(c)) for c in columns])
        self.rows = 0
        self._writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")

    def write(self, batch: Batch) -> None:
        n = batch.n
        if n == 0:
            return
        arrays = []
        keys: dict[int, pa.Array] = {}
        for f in self.schema:
            col = batch.cols.get(f.name, NULL)
            if col.is_array:
                arr = col.data
                if col.key is not None:
                    if id(col.key) not in keys:
                        keys[id(col.key)] = pa.array(col.key)
                    arr = pc.take(arr, keys[id(col.key)])
                arrays.append(arr.cast(f.type))
            else:
                value = col.data
                if value is not None and column_kind(f.name) == "money":
                    value = units_dec(value)
                elif value is not None and column_kind(f.name) == "ts":
                    value = dt.datetime.fromtimestamp(int(value), dt.UTC)
                arrays.append(pa.repeat(pa.scalar(value, f.type), n))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n

    def close(self, publish: bool = True) -> None:
        self._writer.close()
        _finish(self.tmp, self.path, publish)


def _finish(tmp: Path, path: Path, publish: bool) -> None:
    if publish:
        os.replace(tmp, path)
    else:
        tmp.unlink(missing_ok=True)


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str | None]], null: str = "") -> bytes:
    """A small CSV file (csv module quoting, "\\n" line ends, None written as `null`)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([null if v is None else v for v in r])
    return buf.getvalue().encode()


def write_bytes(path: Path, data: bytes) -> None:
    """Write a whole file via `<name>.part` and a rename."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)

"""Python's csv reading of a CSV file's records, to check DuckDB's (orchestration/pipeline/load.py).

DuckDB's reader numbers records, not physical lines, and drops a last record whose quote is never
closed. When its count of a file's records differs from the physical lines, the loader reads the
file again here: the physical line each record starts on, and the unterminated last record, so
that every record is numbered by its line and none is lost or invented.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class FileRejected(Exception):
    """The whole file cannot be read; the message says why."""


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


@dataclass
class _Layout:
    """Python's csv reading of a file's records: for each data record, the physical line it starts
    on and its line in DuckDB's numbering (which counts records and blank lines, not the line
    breaks inside quoted values); and the last record's fields, text and last physical line."""

    starts: np.ndarray
    dlines: np.ndarray
    last_fields: list[str]
    last_text: str
    last_end: int


class _Tee:
    """The lines of a file, keeping those read since the caller last emptied `lines`."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.lines: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.lines.append(line)
            yield line


def csv_layout(path: Path, width: int) -> _Layout:
    opener = gzip.open if is_gzip(path) else open
    starts, dlines = array("q"), array("q")
    last_fields: list[str] = []
    last_lines: list[str] = []
    last_end = 0
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
            tee = _Tee(handle)
            reader = csv.reader(tee)
            end = 0
            for dline, row in enumerate(reader, 1):
                start, end = end + 1, reader.line_num
                lines, tee.lines = tee.lines, []
                # DuckDB skips a blank line, except in a one-column file (a null value there)
                if dline == 1 or not (row or width == 1):
                    continue
                starts.append(start)
                dlines.append(dline)
                last_fields, last_lines, last_end = row, lines, end
    finally:
        csv.field_size_limit(limit)
    return _Layout(
        np.array(starts, dtype=np.int64),
        np.array(dlines, dtype=np.int64),
        last_fields,
        "".join(last_lines),
        last_end,
    )


def _ends_inside_quotes(text: str) -> bool:
    """Whether CSV text ends inside a quoted value (a quote opens a value only at its start)."""
    i, n, field_start = 0, len(text), True
    separator = re.compile(r"[,\r\n]")
    while i < n:
        if field_start and text[i] == '"':
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return True
                if text.startswith('"', k + 1):
                    j = k + 2
                    continue
                i = k + 1
                break
            field_start = False
            continue
        found = separator.search(text, i)
        if found is None:
            return False
        i, field_start = found.end(), True
    return False


def match_layout(
    layout: _Layout, reject_lines: np.ndarray, good: int, header: list[str]
) -> tuple[np.ndarray, np.ndarray, tuple | None]:
    """Match DuckDB's records with Python's: the physical line of each good record (in order) and
    of each rejected line, and the unterminated last record DuckDB dropped, as (line, column,
    reason, record), or None. Raises FileRejected when the two readers do not agree."""
    count = len(layout.starts)
    index = np.searchsorted(layout.dlines, reject_lines)
    agree = not len(reject_lines) or (
        index.max() < count and np.array_equal(layout.dlines[index], reject_lines)
    )
    keep = np.ones(count, dtype=bool)
    dropped = None
    if agree:
        keep[index] = False
        extra = count - len(reject_lines) - good
        if extra == 1 and keep[-1] and _ends_inside_quotes(layout.last_text):
            keep[-1] = False
            dropped = _unterminated(layout, header)
            extra = 0
        agree = extra == 0
    if not agree:
        raise FileRejected(
            "the CSV structure is ambiguous: DuckDB's reader found "
            f"{good + len(reject_lines)} records after the header and Python's csv module "
            f"{count}; the file is not loaded, so that no record is lost or invented "
            "(check its quoting and line breaks)"
        )
    return layout.starts[keep], layout.starts[index], dropped


def _unterminated(layout: _Layout, header: list[str]) -> tuple:
    start, end, found = int(layout.starts[-1]), layout.last_end, len(layout.last_fields)
    width = len(header)
    column = header[found - 1] if 0 < found <= width else None
    if end > start:
        reason = (
            f"unterminated quoted field: the quote opened on line {start} is never closed, so "
            f"lines {start}-{end}, up to the end of the file, are one unreadable record; "
            f"expected {width} fields, found {found}"
        )
    else:
        reason = (
            "unterminated quoted field: the file ends inside a quoted value (truncated?); "
            f"expected {width} fields, found {found}"
        )
    return (start, column, reason, layout.last_text.rstrip("\r\n"))

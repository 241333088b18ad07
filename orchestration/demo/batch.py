"""A batch of billing rows, column by column: constant, keyed (pool values + per-row index) or
per row. Sinks turn batches into file bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from orchestration.demo.money import dec
from orchestration.pipeline.focus import FOCUS_BY_NAME, MONEY, TS


def column_kind(name: str) -> str:
    """money | ts | text: how a FOCUS column's values are held and written."""
    col = FOCUS_BY_NAME.get(name)
    if col is None:
        return "text"
    return {MONEY: "money", TS: "ts"}.get(col.sql_type, "text")


@dataclass(frozen=True)
class Col:
    data: Any  # constant (str | int units | int epoch seconds | None) or pa.Array
    key: np.ndarray | None = None  # keyed: row -> index into data

    @property
    def is_array(self) -> bool:
        return isinstance(self.data, pa.Array)


NULL = Col(None)


@dataclass
class Batch:
    n: int
    cols: dict[str, Col]


def small_batch(base: dict[str, Any], rows: list[dict[str, Any]]) -> Batch:
    """A few rows given as Python values (money: int units, ts: epoch seconds)."""
    names = dict.fromkeys(base)
    for r in rows:
        names.update(dict.fromkeys(r))
    cols: dict[str, Col] = {}
    for name in names:
        if all(name not in r for r in rows):
            cols[name] = Col(base[name])
            continue
        values = [r.get(name, base.get(name)) for r in rows]
        k = column_kind(name)
        if k == "money":
            valid = np.array([v is not None for v in values])
            ints = np.array([0 if v is None else int(v) for v in values], dtype=np.int64)
            cols[name] = Col(dec(ints, valid))
        elif k == "ts":
            cols[name] = Col(pa.array(values, pa.timestamp("s", tz="UTC")))
        else:
            cols[name] = Col(pa.array(values, pa.string()))
    return Batch(len(rows), cols)

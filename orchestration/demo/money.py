"""Exact money: int64 units of 1e-10, formatted and converted without floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa

SCALE = 10**10  # money and quantities: int64 in units of 1e-10
MONEY_TYPE = pa.decimal128(38, 10)
TS_TYPE = pa.timestamp("us", tz="UTC")
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}  # ISO 4217


def units(value: Decimal) -> int:
    """A decimal amount -> int units of 1e-10 (rounded half up beyond 10 decimals)."""
    return int((value * SCALE).to_integral_value(ROUND_HALF_UP))


def units_str(u: int, trim: bool = True) -> str:
    sign = "-" if u < 0 else ""
    q, r = divmod(abs(int(u)), SCALE)
    if trim:
        return f"{sign}{q}" if r == 0 else f"{sign}{q}.{r:010d}".rstrip("0")
    return f"{sign}{q}.{r:010d}"


def units_dec(u: int) -> Decimal:
    return Decimal(int(u)).scaleb(-10)


def exact_sum(v: np.ndarray) -> int:
    """Exact integer sum of an int64 array (no overflow whatever its length)."""
    if v.size == 0:
        return 0
    v = v.astype(np.int64, copy=False)
    hi = v >> 24
    lo = v & ((1 << 24) - 1)
    return (int(hi.sum()) << 24) + int(lo.sum())


def dec(v: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """int64 units of 1e-10 -> decimal128(38,10) array (zero arithmetic, exact)."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    buf = np.empty((v.size, 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = v >> 63
    bitmap = None
    nulls = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid.astype(bool), bitorder="little"))
        nulls = int((~valid).sum())
    return pa.Array.from_buffers(MONEY_TYPE, v.size, [bitmap, pa.py_buffer(buf)], null_count=nulls)


def dec_units(arr: pa.Array) -> np.ndarray:
    """decimal128(38,10) array -> int64 units (the low words; our values fit in int64)."""
    if arr.type != MONEY_TYPE:
        arr = arr.cast(MONEY_TYPE)
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    return words[2 * arr.offset : 2 * (arr.offset + len(arr)) : 2]


def round_minor(value: Decimal, currency: str) -> Decimal:
    """Rounded half up to the currency's minor units (2 decimals when unknown)."""
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)), ROUND_HALF_UP)


def minor_unit(currency: str) -> int:
    """One minor unit of the currency in units of 1e-10 (1 cent: 10**8)."""
    return SCALE // 10 ** MINOR_UNITS[currency]

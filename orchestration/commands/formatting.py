"""How the operator commands print amounts: decimals quantized for reading, never floats."""

from __future__ import annotations

from decimal import Decimal


def money(value: Decimal | None) -> str:
    """An amount to the cent with thousands separators; `-` for none."""
    return "-" if value is None else f"{value.quantize(Decimal('0.01')):,}"


def pct(value: Decimal | None) -> str:
    """A share (0.0123) as a percentage to two decimals (1.23%); `-` for none."""
    return "-" if value is None else f"{(value * 100).quantize(Decimal('0.01'))}%"


def unit(value: Decimal | None, per: int = 1) -> str:
    """A unit cost (per `per` units) with four decimals: a request costs a fraction of a cent."""
    return "-" if value is None else f"{(value * per).quantize(Decimal('0.0001')):,}"

"""Billing months as UTC epoch-second ranges."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np

WEEKDAY_FACTOR = np.array([1.0, 1.02, 1.03, 1.01, 0.97, 0.62, 0.55])  # activity, Monday..Sunday


@dataclass(frozen=True)
class Month:
    idx: int  # position among the generated months; -1 for a month outside them
    year: int
    month: int
    start: int  # epoch seconds, 00:00 UTC on the first
    end: int  # first of the next month
    days: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def date(self, day: int) -> dt.date:
        return dt.date(self.year, self.month, day)

    def format(self, pattern: str) -> str:
        """`pattern` with {yyyy} {yy} {mm} filled (invoice numbers)."""
        return pattern.format(
            yyyy=f"{self.year:04d}", yy=f"{self.year % 100:02d}", mm=f"{self.month:02d}"
        )


def month(year: int, month: int, idx: int = -1) -> Month:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    start = calendar.timegm((year, month, 1, 0, 0, 0))
    end = calendar.timegm((ny, nm, 1, 0, 0, 0))
    return Month(idx, year, month, start, end, (end - start) // 86400)


def months(start_month: str, count: int) -> list[Month]:
    y, m = (int(p) for p in start_month.split("-"))
    if not 1 <= m <= 12 or count < 1:
        raise ValueError(f"bad start_month/months: {start_month!r}, {count}")
    out = []
    for i in range(count):
        out.append(month(y, m, i))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def next_month(m: Month) -> Month:
    return month(m.year + (m.month == 12), m.month % 12 + 1)


def prev_month(m: Month) -> Month:
    y, mm = (m.year - 1, 12) if m.month == 1 else (m.year, m.month - 1)
    return month(y, mm)


def last_business_day(m: Month) -> dt.date:
    d = m.date(m.days)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d

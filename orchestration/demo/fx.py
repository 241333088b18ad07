"""Treasury FX rates: one rate per currency of company/fx_rates.csv on each month's last
business day, drawn uniformly within the file's jitter around its rate."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from orchestration.demo.company_data import Company
from orchestration.demo.months import Month, last_business_day


def fx_rows(company: Company, months: list[Month], rng: np.random.Generator) -> list[list[str]]:
    out: list[list[str]] = []
    for m in months:
        d = last_business_day(m).isoformat()
        for fx in company.fx_rates:
            places = max(-fx.rate.as_tuple().exponent, -fx.jitter.as_tuple().exponent)
            rate, jitter = int(fx.rate.scaleb(places)), int(fx.jitter.scaleb(places))
            drawn = rate + int(rng.integers(-jitter, jitter + 1))
            text = f"{Decimal(drawn).scaleb(-places):f}"
            out.append(
                [
                    d,
                    fx.base_currency,
                    fx.quote_currency,
                    text.rstrip("0") if fx.trim_zeros else text,
                ]
            )
    return out

"""Invoice lines: cloud invoices from the billing totals, SaaS and vendor invoices from
company/invoice_lines.csv."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from orchestration.demo.billing import Totals
from orchestration.demo.company_data import Company, InvoiceLine
from orchestration.demo.money import round_minor, units_dec
from orchestration.demo.months import Month, next_month
from orchestration.demo.report import AccountMonth, InvoiceMismatch

Row = list[str | None]


def cloud_invoices(
    company: Company, months: list[Month], totals: dict[tuple[str, int], Totals]
) -> tuple[list[Row], list[AccountMonth], InvoiceMismatch | None]:
    """One invoice per account and month: the rounded sum of its BilledCost (ROUND_HALF_UP to
    the currency's minor units), except the account with an `invoice_surplus`, whose invoice of
    month index months // 2 is that much higher."""
    mismatch_month = months[len(months) // 2]
    rows: list[Row] = []
    account_months: list[AccountMonth] = []
    mismatch = None
    for acct in company.accounts:
        for m in months:
            t = totals[(acct.key, m.idx)]
            billed = units_dec(t.billed)
            inv_id = acct.invoice_id(m)
            account_months.append(
                AccountMonth(
                    acct.provider,
                    acct.id,
                    m.label,
                    acct.currency,
                    inv_id,
                    billed,
                    units_dec(t.effective),
                    t.rows,
                )
            )
            amount = round_minor(billed, acct.currency)
            if acct.invoice_surplus is not None and m is mismatch_month:
                invoiced = amount + acct.invoice_surplus
                mismatch = InvoiceMismatch(
                    inv_id,
                    acct.provider,
                    acct.id,
                    m.label,
                    acct.currency,
                    amount,
                    invoiced,
                    acct.invoice_surplus,
                )
                amount = invoiced
            nxt = next_month(m)
            rows.append(
                [
                    inv_id,
                    f"{inv_id}-1",
                    "cloud",
                    acct.provider,
                    acct.id,
                    nxt.date(acct.invoice_day).isoformat(),
                    m.date(1).isoformat(),
                    nxt.date(1).isoformat(),
                    acct.currency,
                    f"{round_minor(amount, acct.currency):f}",
                    f"{acct.provider} cloud services",
                    f"{acct.provider} charges {m.label} ({acct.id})",
                    None,
                ]
            )
    return rows, account_months, mismatch


def _quantity(line: InvoiceLine, rng: np.random.Generator) -> Decimal:
    """The fixed quantity, or a uniform draw in [low, high) in steps of their last decimal."""
    if line.quantity_high is None:
        return line.quantity_low
    places = max(-line.quantity_low.as_tuple().exponent, -line.quantity_high.as_tuple().exponent)
    low, high = (int(q.scaleb(places)) for q in (line.quantity_low, line.quantity_high))
    return Decimal(int(rng.integers(low, high))).scaleb(-places)


def _row(line: InvoiceLine, n: int, m: Month, start: dt.date, end: dt.date, qty: Decimal) -> Row:
    inv = m.format(line.invoice_id_format)
    issued = (next_month(m) if line.invoice_month == "next" else m).date(line.invoice_day)
    amount = round_minor(qty * line.unit_price, line.currency)
    return [
        inv,
        f"{inv}-{n}",
        line.invoice_type,
        line.vendor_name,
        line.billing_account_id,
        issued.isoformat(),
        start.isoformat(),
        end.isoformat(),
        line.currency,
        f"{amount:f}",
        line.product,
        line.description,
        f"{qty:f}",
    ]


def other_invoices(
    company: Company,
    file: str,
    months: list[Month],
    rng: np.random.Generator,
    telemetry_totals: dict[tuple[str, str], Decimal],
) -> list[Row]:
    """The lines of invoice_lines.csv for `file`: annual ones once (the first month, covering a
    year), then the monthly ones month by month. Quantities are drawn in the file's order; a line
    with `quantity_from_telemetry` bills the month's total of that telemetry column instead
    (telemetry_totals: (month label, column) -> total), e.g. the CI runner minutes."""
    lines = [x for x in company.invoice_lines if x.file == file]
    out: list[Row] = []
    first = months[0]
    year_end = dt.date(first.year + 1, first.month, 1)
    numbers: dict[str, int] = {}  # invoice id -> lines so far

    def add(line: InvoiceLine, m: Month, end: dt.date) -> None:
        inv = m.format(line.invoice_id_format)
        numbers[inv] = numbers.get(inv, 0) + 1
        qty = _quantity(line, rng)  # drawn in every case: the lines after it draw the same
        if line.quantity_from_telemetry:
            qty = telemetry_totals[(m.label, line.quantity_from_telemetry)]
        out.append(_row(line, numbers[inv], m, m.date(1), end, qty))

    for line in lines:
        if line.period == "annual":
            add(line, first, year_end)
    for m in months:
        for line in lines:
            if line.period == "monthly":
                add(line, m, next_month(m).date(1))
    return out

"""`tbm report`: one month's close pack as offline HTML (inline SVG charts, no scripts, no CDN)
and a CSV per table, read from a DuckDB file (the published file BI opens, or the warehouse)."""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.warehouse import table_exists


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[tuple]


# name -> (title, SQL with one `?` for the month); only the tables present in the file are used
QUERIES: dict[str, tuple[str, str, str]] = {
    "reconciliation": (
        "Reconciliation: invoices vs billing vs allocation",
        "marts.fct_month_end_reconciliation",
        "select provider_name, billing_account_id, invoice_id, reconciliation_status, "
        "invoice_total_reporting, billed_cost_reporting, billing_currency, "
        "invoice_total_billing, billed_cost_rounded_billing, allocated_cost_billing, "
        "invoice_delta_billing, tolerance_billing "
        "from marts.fct_month_end_reconciliation where billing_month = ? "
        "order by provider_name, billing_account_id, invoice_id",
    ),
    "cost_by_service": (
        "Allocated cost by service (reporting currency)",
        "marts.fct_allocated_costs",
        "select service_id, any_value(service_name) as service_name, "
        "sum(billed_cost_reporting) as billed_cost_reporting, "
        "sum(effective_cost_reporting) as effective_cost_reporting "
        "from marts.fct_allocated_costs where billing_month = ? "
        "group by service_id order by effective_cost_reporting desc nulls last, service_id",
    ),
    "showback": (
        "Showback by business unit (reporting currency)",
        "marts.fct_showback_monthly",
        "select business_unit, cost_center, billed_cost_reporting, effective_cost_reporting "
        "from marts.fct_showback_monthly where billing_month = ? "
        "order by effective_cost_reporting desc nulls last, business_unit, cost_center",
    ),
    "trend": (
        "Month on month: allocated and unallocated cost, last twelve months (reporting currency)",
        "marts.fct_tbm_metrics_monthly",
        # the practice's metrics of the whole company (scope `total`), one column each, for the
        # twelve months up to the report's (a month without metrics is a row without values)
        "with months as ("
        " select cast(cast(? as date) - to_months(11 - i) as date) as billing_month"
        " from range(12) as t(i)),"
        " metrics as ("
        " select billing_month,"
        " any_value(denominator_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as effective_cost_reporting,"
        " any_value(numerator_value) filter (where metric_name = 'cost_variance_percent')"
        " as change_vs_previous_month_reporting,"
        " any_value(numerator_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as unallocated_effective_cost_reporting,"
        " cast(any_value(metric_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as decimal(38, 2)) as unallocated_percent"
        " from marts.fct_tbm_metrics_monthly where scope_type = 'total'"
        " group by billing_month)"
        " select strftime(months.billing_month, '%Y-%m') as billing_month,"
        " metrics.effective_cost_reporting, metrics.change_vs_previous_month_reporting,"
        " metrics.unallocated_effective_cost_reporting, metrics.unallocated_percent"
        " from months left join metrics on months.billing_month = metrics.billing_month"
        " order by months.billing_month",
    ),
    "restatements": (
        "Restatements of this closed month (closed vs would-be)",
        "marts.fct_restatements",
        "select service_id, billing_currency, closed_effective_cost_reporting, "
        "would_be_effective_cost_reporting, adjustment_effective_cost_reporting, "
        "next_open_month from marts.fct_restatements where billing_month = ? and is_restated "
        "order by service_id, billing_currency",
    ),
}


# Column headings in words (the CSV files keep the column names).
LABELS: dict[str, str] = {
    "provider_name": "Provider",
    "billing_account_id": "Billing account",
    "invoice_id": "Invoice",
    "billing_currency": "Billing currency",
    "invoice_total_billing": "Invoice total (billing currency)",
    "billed_cost_rounded_billing": "Billed cost, rounded (billing currency)",
    "allocated_cost_billing": "Allocated cost (billing currency)",
    "invoice_delta_billing": "Invoice minus billing (billing currency)",
    "tolerance_billing": "Tolerance (billing currency)",
    "reconciliation_status": "Status",
    "invoice_total_reporting": "Invoice total (reporting currency)",
    "billed_cost_reporting": "Billed cost (reporting currency)",
    "service_id": "Service",
    "service_name": "Service name",
    "effective_cost_reporting": "Effective cost (reporting currency)",
    "business_unit": "Business unit",
    "cost_center": "Cost center",
    "billing_month": "Month",
    "change_vs_previous_month_reporting": "Change vs previous month (reporting currency)",
    "unallocated_effective_cost_reporting": "Unallocated cost (reporting currency)",
    "unallocated_percent": "Unallocated share (%)",
    "closed_effective_cost_reporting": "Closed effective cost (reporting currency)",
    "would_be_effective_cost_reporting": "Would-be effective cost (reporting currency)",
    "adjustment_effective_cost_reporting": "Adjustment (reporting currency)",
    "next_open_month": "Booked in month",
}

# The charts: (table, value column, title, how many rows: the first n, or the last n of the trend)
CHARTS: tuple[tuple[str, str, str, int], ...] = (
    ("cost_by_service", "effective_cost_reporting", "Effective cost by service, largest 15", 15),
    (
        "showback",
        "effective_cost_reporting",
        "Effective cost by business unit and cost center, largest 15",
        15,
    ),
    ("trend", "effective_cost_reporting", "Effective cost per month, last twelve months", 12),
    ("trend", "unallocated_percent", "Unallocated share of cost (%), last twelve months", 12),
)


def label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


# Money columns totalled in a `total` row (tfoot) of each table; each total cell carries the exact
# decimal in `data-value` so a reader (and the browser test) can compare it with the marts.
TOTALS: dict[str, tuple[str, ...]] = {
    # billing amounts are in several currencies: only the reporting-currency ones add up
    "reconciliation": ("invoice_total_reporting", "billed_cost_reporting"),
    "cost_by_service": ("billed_cost_reporting", "effective_cost_reporting"),
    "showback": ("billed_cost_reporting", "effective_cost_reporting"),
    "restatements": (
        "closed_effective_cost_reporting",
        "would_be_effective_cost_reporting",
        "adjustment_effective_cost_reporting",
    ),
}


# Billing-currency amounts: their total is one sum per currency.
BY_CURRENCY: dict[str, tuple[str, ...]] = {
    "reconciliation": (
        "invoice_total_billing",
        "billed_cost_rounded_billing",
        "allocated_cost_billing",
        "invoice_delta_billing",
    ),
}
# A status column whose total cell counts the rows of each status.
COUNTED: dict[str, str] = {"reconciliation": "reconciliation_status"}


def read_tables(con: duckdb.DuckDBPyConnection, month: date) -> list[Table]:
    tables = []
    for name, (title, source, sql) in QUERIES.items():
        if not table_exists(con, *source.split(".")):
            continue
        result = con.execute(sql, [month] * sql.count("?"))
        columns = [d[0] for d in result.description]
        tables.append(Table(name, title, columns, result.fetchall()))
    return tables


def reporting_currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """The reporting currency of the marts (fct_allocated_costs' column), None when unknown."""
    if not table_exists(con, "marts", "fct_allocated_costs"):
        return None
    columns = [
        d[0] for d in con.execute("select * from marts.fct_allocated_costs limit 0").description
    ]
    if "reporting_currency" not in columns:
        return None
    row = con.execute("select min(reporting_currency) from marts.fct_allocated_costs").fetchone()
    return row[0] if row else None


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _csv_value(value: object) -> object:
    """Exact and plain: decimals in fixed notation (never 0E-12), null as an empty field."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# An estimate of the width of a character of the labels (12px sans-serif) in pixels: generous,
# so that a label is never cut at the left edge of the chart.
CHAR_WIDTH = 7.2


def bar_chart_svg(
    labels: list[str],
    values: list[Decimal | int | None],
    width: int = 640,
    label_width: int | None = None,
) -> str:
    """A horizontal bar chart as inline SVG (negative values drawn as zero-length bars, a null
    value as an empty bar marked `no data`). The label column is as wide as the longest label
    (unless `label_width` is given); the chart grows by what it needs beyond `width`."""
    bar, gap = 18, 6
    if label_width is None:
        label_width = int(max((len(t) for t in labels), default=0) * CHAR_WIDTH) + 12
    bars = max(width - 200, 100)  # the bar area (and the value text after it)
    width = max(width, label_width + bars)
    height = len(labels) * (bar + gap) + gap
    top = max((v for v in values if v is not None), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" viewBox="0 0 {width} {height}">'
    ]
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        y = gap + i * (bar + gap)
        length = (
            0 if value is None or value <= 0 else float(value / top) * (width - label_width - 90)
        )
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{html.escape(text)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#4e79a7"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="11">'
            f"{'no data' if value is None else _fmt(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _currency(column: str, currency: str | None) -> str:
    return f" ({html.escape(currency)})" if currency and column.endswith("_reporting") else ""


def render_html(month: date, tables: list[Table], source: Path, currency: str | None = None) -> str:
    """The close pack page; `currency` names the reporting currency in the chart titles."""
    by_name = {t.name: t for t in tables}
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>TBM close pack {month:%Y-%m}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}"
        "th{max-width:11em;white-space:normal;vertical-align:bottom}"
        "tfoot td{font-weight:bold;vertical-align:top}"
        "td.n{text-align:right}.mismatch{background:#fdd}</style>",
        "</head><body>",
        f"<h1>TBM close pack {month:%Y-%m}</h1>",
        f"<p>Source: {html.escape(source.name)}</p>",
    ]
    for name, value_column, title, limit in CHARTS:
        table = by_name.get(name)
        if table and table.rows:
            rows = table.rows[-limit:] if name == "trend" else table.rows[:limit]
            value_col = table.columns.index(value_column)
            out.append(
                f"<h2>{html.escape(title)}{_currency(value_column, currency)}</h2>"
                f'<figure class="chart" data-chart="{name}:{value_column}">'
            )
            labels = [
                f"{r[0]} / {r[1]}" if name == "showback" and r[1] != r[0] else str(r[0])
                for r in rows
            ]
            out.append(bar_chart_svg(labels, [r[value_col] for r in rows]))
            out.append("</figure>")
    status = by_name.get("reconciliation")
    if status and status.rows:
        col = status.columns.index("reconciliation_status")
        counts: dict[str, int] = {}
        for row in status.rows:
            counts[row[col]] = counts.get(row[col], 0) + 1
        out.append(
            '<h2>Invoices by reconciliation status</h2><figure class="chart" '
            'data-chart="reconciliation:status">'
        )
        out.append(bar_chart_svg(list(counts), list(counts.values())))
        out.append("</figure>")
    for table in tables:
        out.append(f"<h2>{html.escape(table.title)}</h2>")
        if not table.rows:
            out.append("<p>No rows.</p>")
            continue
        out.append(f'<table id="{html.escape(table.name)}"><thead><tr>')
        out.extend(
            f'<th data-column="{html.escape(c)}">{html.escape(label(c))}</th>'
            for c in table.columns
        )
        out.append("</tr></thead><tbody>")
        for row in table.rows:
            css = ' class="mismatch"' if "mismatch" in row else ""
            cells = "".join(
                f'<td class="n">{_fmt(v)}</td>'
                if isinstance(v, Decimal | int)
                else f"<td>{html.escape(_fmt(v))}</td>"
                for v in row
            )
            out.append(f"<tr{css}>{cells}</tr>")
        out.append("</tbody>")
        out.append(_total_row(table))
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _total_row(table: Table) -> str:
    """The table's `total` row: exact sums of its TOTALS columns (a null part makes the cell
    empty), the billing-currency amounts summed per currency (BY_CURRENCY), and how many rows
    have each value of a status column (COUNTED)."""
    summed = TOTALS.get(table.name, ())
    if not summed:
        return ""
    by_currency = BY_CURRENCY.get(table.name, ())
    counted = COUNTED.get(table.name)
    currency_col = (
        table.columns.index("billing_currency") if "billing_currency" in table.columns else None
    )
    cells = []
    for i, column in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        if column in summed:
            total = None if any(v is None for v in values) else sum(values, Decimal(0))
            exact = "" if total is None else format(total, "f")
            cells.append(
                f'<td class="n" data-column="{column}" data-value="{exact}">{_fmt(total)}</td>'
            )
        elif column in by_currency and currency_col is not None:
            per_currency: dict[str, Decimal] = {}
            for row in table.rows:
                if row[i] is not None:
                    code = row[currency_col]
                    per_currency[code] = per_currency.get(code, Decimal(0)) + row[i]
            text = "<br>".join(
                f"{html.escape(code)} {_fmt(amount)}"
                for code, amount in sorted(per_currency.items())
            )
            cells.append(f'<td class="n" data-column="{column}">{text}</td>')
        elif column == counted:
            counts: dict[str, int] = {}
            for value in values:
                counts[str(value)] = counts.get(str(value), 0) + 1
            text = ", ".join(f"{n} {html.escape(v)}" for v, n in sorted(counts.items()))
            cells.append(f'<td data-column="{column}">{text}</td>')
        elif i == 0:
            cells.append(f"<td>Total ({len(table.rows)} rows)</td>")
        else:
            cells.append("<td></td>")
    return f'<tfoot><tr class="total">{"".join(cells)}</tr></tfoot>'


def write_report(source: Path, month: date, out: Path) -> list[Path]:
    """Write `<out>/report-YYYY-MM.html` and one CSV per table; returns the files written."""
    con = duckdb.connect(str(source), read_only=True)
    try:
        tables = read_tables(con, month)
        currency = reporting_currency(con)
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = out / f"{table.name}-{month:%Y-%m}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows([_csv_value(v) for v in row] for row in table.rows)
        written.append(path)
    page = out / f"report-{month:%Y-%m}.html"
    page.write_text(render_html(month, tables, source, currency), encoding="utf-8")
    written.append(page)
    return written

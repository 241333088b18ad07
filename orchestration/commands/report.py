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
        "select provider_name, billing_account_id, invoice_id, billing_currency, "
        "invoice_total_billing, billed_cost_rounded_billing, allocated_cost_billing, "
        "invoice_delta_billing, tolerance_billing, reconciliation_status, "
        "invoice_total_reporting, billed_cost_reporting "
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
        "Month on month: allocated and unallocated cost (reporting currency)",
        "marts.fct_tbm_metrics_monthly",
        # the practice's metrics of the whole company (scope `total`), one column each
        "select strftime(billing_month, '%Y-%m') as billing_month,"
        " any_value(denominator_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as effective_cost_reporting,"
        " any_value(numerator_value) filter (where metric_name = 'cost_variance_percent')"
        " as change_vs_previous_month_reporting,"
        " any_value(numerator_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as unallocated_effective_cost_reporting,"
        " cast(any_value(metric_value) filter (where metric_name = 'unallocated_cost_percent')"
        " as decimal(38, 2)) as unallocated_percent"
        " from marts.fct_tbm_metrics_monthly where scope_type = 'total' and billing_month <= ?"
        " group by billing_month order by billing_month",
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


def read_tables(con: duckdb.DuckDBPyConnection, month: date) -> list[Table]:
    tables = []
    for name, (title, source, sql) in QUERIES.items():
        if not table_exists(con, *source.split(".")):
            continue
        result = con.execute(sql, [month])
        columns = [d[0] for d in result.description]
        tables.append(Table(name, title, columns, result.fetchall()))
    return tables


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


def bar_chart_svg(labels: list[str], values: list[Decimal | int], width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (negative values drawn as zero-length bars)."""
    bar, gap, label_width = 18, 6, 200
    height = len(labels) * (bar + gap) + gap
    top = max((v for v in values if v is not None), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = gap + i * (bar + gap)
        length = (
            0 if value is None or value <= 0 else float(value / top) * (width - label_width - 90)
        )
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{html.escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="#4e79a7"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="11">'
            f"{_fmt(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(month: date, tables: list[Table], source: Path) -> str:
    by_name = {t.name: t for t in tables}
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>TBM close pack {month:%Y-%m}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}"
        "td.n{text-align:right}.mismatch{background:#fdd}</style>",
        "</head><body>",
        f"<h1>TBM close pack {month:%Y-%m}</h1>",
        f"<p>Source: {html.escape(source.name)}</p>",
    ]
    charts = (
        ("cost_by_service", "effective_cost_reporting", 15),
        ("showback", "effective_cost_reporting", 15),
        ("trend", "effective_cost_reporting", 13),
        ("trend", "unallocated_percent", 13),
    )
    for name, value_column, limit in charts:
        table = by_name.get(name)
        if table and table.rows:
            rows = table.rows[-limit:] if name == "trend" else table.rows[:limit]
            value_col = table.columns.index(value_column)
            out.append(
                f"<h2>{html.escape(table.title)}: {html.escape(value_column)}</h2>"
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
            '<h2>Reconciliation status (invoices)</h2><figure class="chart" '
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
        out.extend(f"<th>{html.escape(c)}</th>" for c in table.columns)
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
    """The table's `total` row: exact sums of its TOTALS columns (a null part makes it empty)."""
    summed = TOTALS.get(table.name, ())
    if not summed:
        return ""
    cells = []
    for i, column in enumerate(table.columns):
        if column in summed:
            values = [row[i] for row in table.rows]
            total = None if any(v is None for v in values) else sum(values, Decimal(0))
            exact = "" if total is None else format(total, "f")
            cells.append(
                f'<td class="n" data-column="{column}" data-value="{exact}">{_fmt(total)}</td>'
            )
        else:
            cells.append("<td>Total</td>" if i == 0 else "<td></td>")
    return f'<tfoot><tr class="total">{"".join(cells)}</tr></tfoot>'


def write_report(source: Path, month: date, out: Path) -> list[Path]:
    """Write `<out>/report-YYYY-MM.html` and one CSV per table; returns the files written."""
    con = duckdb.connect(str(source), read_only=True)
    try:
        tables = read_tables(con, month)
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
    page.write_text(render_html(month, tables, source), encoding="utf-8")
    written.append(page)
    return written

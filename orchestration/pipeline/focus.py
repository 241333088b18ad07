"""The FOCUS columns we read, their SQL types in `raw.billing`, and version detection.

Single source of truth for the raw billing layout: the loader types landing files against it, the
generator writes files from it, and dbt staging reads the columns it declares.
"""

from __future__ import annotations

from dataclasses import dataclass

# The warehouse's money type: 12 decimals of the currency unit in every layer (38 digits leave 26
# integer digits, so a month's sums of quantities in bytes or of a JPY total do not overflow). The
# loader rounds a value delivered with more decimals half-even to 12 and records what it rounded.
MONEY_SCALE = 12
MONEY = f"decimal(38,{MONEY_SCALE})"
TS = "timestamp"
TEXT = "varchar"


@dataclass(frozen=True)
class FocusColumn:
    name: str
    sql_type: str
    since: str  # first FOCUS version that has the column
    required: bool = False  # a null (or untypeable) value sends the row to quarantine


FOCUS_COLUMNS: tuple[FocusColumn, ...] = (
    FocusColumn("AvailabilityZone", TEXT, "1.0"),
    FocusColumn("BilledCost", MONEY, "1.0", required=True),
    FocusColumn("BillingAccountId", TEXT, "1.0", required=True),
    FocusColumn("BillingAccountName", TEXT, "1.0"),
    FocusColumn("BillingAccountType", TEXT, "1.2"),
    FocusColumn("BillingCurrency", TEXT, "1.0", required=True),
    FocusColumn("BillingPeriodEnd", TS, "1.0", required=True),
    FocusColumn("BillingPeriodStart", TS, "1.0", required=True),
    FocusColumn("CapacityReservationId", TEXT, "1.1"),
    FocusColumn("CapacityReservationStatus", TEXT, "1.1"),
    FocusColumn("ChargeCategory", TEXT, "1.0", required=True),
    FocusColumn("ChargeClass", TEXT, "1.0"),
    FocusColumn("ChargeDescription", TEXT, "1.0"),
    FocusColumn("ChargeFrequency", TEXT, "1.0"),
    FocusColumn("ChargePeriodEnd", TS, "1.0", required=True),
    FocusColumn("ChargePeriodStart", TS, "1.0", required=True),
    FocusColumn("CommitmentDiscountCategory", TEXT, "1.0"),
    FocusColumn("CommitmentDiscountId", TEXT, "1.0"),
    FocusColumn("CommitmentDiscountName", TEXT, "1.0"),
    FocusColumn("CommitmentDiscountQuantity", MONEY, "1.1"),
    FocusColumn("CommitmentDiscountStatus", TEXT, "1.0"),
    FocusColumn("CommitmentDiscountType", TEXT, "1.0"),
    FocusColumn("CommitmentDiscountUnit", TEXT, "1.1"),
    FocusColumn("ConsumedQuantity", MONEY, "1.0"),
    FocusColumn("ConsumedUnit", TEXT, "1.0"),
    FocusColumn("ContractedCost", MONEY, "1.0"),
    FocusColumn("ContractedUnitPrice", MONEY, "1.0"),
    FocusColumn("EffectiveCost", MONEY, "1.0", required=True),
    FocusColumn("InvoiceId", TEXT, "1.2"),
    FocusColumn("InvoiceIssuerName", TEXT, "1.0"),
    FocusColumn("ListCost", MONEY, "1.0"),
    FocusColumn("ListUnitPrice", MONEY, "1.0"),
    FocusColumn("PricingCategory", TEXT, "1.0"),
    FocusColumn("PricingCurrency", TEXT, "1.2"),
    FocusColumn("PricingCurrencyContractedUnitPrice", MONEY, "1.2"),
    FocusColumn("PricingCurrencyEffectiveCost", MONEY, "1.2"),
    FocusColumn("PricingCurrencyListUnitPrice", MONEY, "1.2"),
    FocusColumn("PricingQuantity", MONEY, "1.0"),
    FocusColumn("PricingUnit", TEXT, "1.0"),
    FocusColumn("ProviderName", TEXT, "1.0"),
    FocusColumn("PublisherName", TEXT, "1.0"),
    FocusColumn("RegionId", TEXT, "1.0"),
    FocusColumn("RegionName", TEXT, "1.0"),
    FocusColumn("ResourceId", TEXT, "1.0"),
    FocusColumn("ResourceName", TEXT, "1.0"),
    FocusColumn("ResourceType", TEXT, "1.0"),
    FocusColumn("ServiceCategory", TEXT, "1.0"),
    FocusColumn("ServiceName", TEXT, "1.0"),
    FocusColumn("ServiceProviderName", TEXT, "1.3"),
    FocusColumn("ServiceSubcategory", TEXT, "1.1"),
    FocusColumn("SkuId", TEXT, "1.0"),
    FocusColumn("SkuMeter", TEXT, "1.1"),
    FocusColumn("SkuPriceDetails", TEXT, "1.1"),
    FocusColumn("SkuPriceId", TEXT, "1.0"),
    FocusColumn("SubAccountId", TEXT, "1.0"),
    FocusColumn("SubAccountName", TEXT, "1.0"),
    FocusColumn("SubAccountType", TEXT, "1.2"),
    FocusColumn("Tags", TEXT, "1.0"),
)

FOCUS_BY_NAME = {c.name: c for c in FOCUS_COLUMNS}
VERSIONS = ("1.0", "1.1", "1.2", "1.3")


def columns_for_version(version: str) -> list[str]:
    """FOCUS column names a file of this version carries (our subset of the spec)."""
    cutoff = VERSIONS.index(version)
    return [c.name for c in FOCUS_COLUMNS if VERSIONS.index(c.since) <= cutoff]


def detect_version(header: list[str]) -> str:
    """Detect the FOCUS version of a billing file from its header.

    1.3 introduced ServiceProviderName; 1.2 InvoiceId and PricingCurrency; 1.1 ServiceSubcategory,
    CapacityReservationId and CommitmentDiscountQuantity. Anything else is read as 1.0.
    """
    cols = set(header)
    if "ServiceProviderName" in cols:
        return "1.3"
    if cols & {"InvoiceId", "PricingCurrency", "BillingAccountType"}:
        return "1.2"
    if cols & {"ServiceSubcategory", "CapacityReservationId", "CommitmentDiscountQuantity"}:
        return "1.1"
    return "1.0"

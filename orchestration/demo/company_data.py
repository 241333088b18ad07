"""The demo company, read from the data files in `company/` (described in company/README.md).

Everything that describes the fictional company lives in those files: billing accounts and their
sub-accounts, regions, tag habits, commitments, credits and taxes (`accounts.json`), the SKUs each
provider sells (`skus.csv`), services, teams and cost centres, telemetry baselines, SaaS and vendor
invoice lines and treasury FX rates. The generating algorithm stays in the Python modules.
Prices and money are parsed as `Decimal` from their strings; weights and quantities are floats.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, TypeVar

import numpy as np

from orchestration.demo.money import units
from orchestration.demo.months import Month

COMPANY_FOLDER = "company"
IntOrArray = TypeVar("IntOrArray", int, np.ndarray)


@dataclass(frozen=True)
class SubAccount:
    id: str
    name: str
    role: str  # apps | shared-platform | shared-network | data-platform (roles.csv)
    weight: float  # share of the account's resources
    apps: tuple[tuple[str, float], ...] = ()  # (service, weight) of an `apps` sub-account


@dataclass(frozen=True)
class Sku:
    """One line of skus.csv: a kind of resource a provider bills, with its list price."""

    key: str
    roles: tuple[str, ...]  # sub-account roles that run it
    weight: float  # share among the SKUs those roles run
    service_category: str
    service_subcategory: str
    service_name: str
    sku_id: str
    sku_meter: str
    resource_type: str
    unit: str  # ConsumedUnit and PricingUnit
    list_unit_price_usd: Decimal
    daily_quantity: float  # mean pricing quantity per resource and day
    resource_id_prefix: str  # {region} {sub} {rg} {label} {svc} are filled, a hex id appended
    resource_name_part: str  # ResourceName is <service or team>-<this>-<hex>
    zonal: bool
    weekend_swing: float  # 0: flat, 1: follows the weekday activity
    pricing_category: str
    charge_description: str
    sku_price_details: str | None  # JSON
    service_code: str  # x_ServiceCode / x_ServiceId

    def resource_prefix(self, region: str, sub: str, label: str) -> str:
        """The ResourceId of a resource of this SKU, up to its hex id."""
        rg = resource_group(label)
        svc = self.service_code.lower()
        return self.resource_id_prefix.format(region=region, sub=sub, rg=rg, label=label, svc=svc)


def resource_group(label: str) -> str:
    """The (Azure) resource group of a service's or shared team's resources."""
    return f"rg-{label}-prod"


@dataclass(frozen=True)
class Commitment:
    id: str
    name: str
    category: str  # Spend | Usage
    type: str
    unit: str  # currency code (Spend) or Hours (Usage)
    owner: int  # sub-account index
    tmpl: str  # SKU key
    region: int  # region index
    cover: float  # share of the account's usage rows that are covered rows
    rate_bp: int  # amortized hourly rate as basis points of the contracted unit price
    sub_weights: tuple[float, ...]  # per sub-account, in the account's order


@dataclass(frozen=True)
class Account:
    key: str
    provider: str
    id: str
    name: str
    currency: str
    issuer: str
    account_type: str
    sub_type: str
    subs: tuple[SubAccount, ...]
    regions: tuple[tuple[str, str, float], ...]  # id, name, weight
    az_fmt: str  # {region} {letter} {num}
    price_factor: Decimal  # list prices relative to USD
    discount_bp: int  # negotiated discount
    tag_keys: tuple[tuple[str, float], ...]
    lowercase_tags: bool
    weight: float  # share of all billing rows
    templates: tuple[Sku, ...]
    invoice_fmt: str  # {yyyy} {yy} {mm}
    invoice_day: int
    usage_frequency: str
    tax_bp: int = 0  # tax in basis points of the billed cost
    tax_name: str = ""
    credit: tuple[int, int, str, str] | None = None  # sub, basis points, description, service
    adjustment: tuple[int, int, str] | None = None  # sub, amount in units of 1e-10, description
    null_contracted_on_credit_tax: bool = False
    commitment: Commitment | None = None
    extras: tuple[str, ...] = ()  # x_ columns this provider exports
    invoice_surplus: Decimal | None = None  # its invoice of month index months // 2 is this high

    def list_price(self, t: Sku) -> int:
        """The list unit price of SKU `t` in the account's currency, units of 1e-10."""
        return units(t.list_unit_price_usd * self.price_factor)

    def contracted_price(self, list_price: IntOrArray) -> IntOrArray:
        return list_price * (10_000 - self.discount_bp) // 10_000

    def template(self, key: str) -> Sku:
        return next(t for t in self.templates if t.key == key)

    def invoice_id(self, m: Month) -> str:
        return m.format(self.invoice_fmt)


@dataclass(frozen=True)
class InvoiceLine:
    """One line of invoice_lines.csv: a SaaS or vendor charge billed every month or once."""

    file: str  # saas_invoices | vendor_invoices
    invoice_type: str
    vendor_name: str
    billing_account_id: str
    invoice_id_format: str
    product: str
    description: str
    currency: str
    unit_price: Decimal
    quantity_low: Decimal
    quantity_high: Decimal | None  # None: a fixed quantity
    period: str  # monthly | annual (billed once, in the first month)
    invoice_month: str  # service | next
    invoice_day: int
    quantity_from_telemetry: str  # a telemetry column whose monthly sum is the quantity, or ""


@dataclass(frozen=True)
class TelemetryEvent:
    """One row of telemetry_events.csv: an incident (`slo_incident`: at least `value` bad events
    per 10,000) or an ingest spike (`ingest_spike`: ingest x `value`) of a service on days
    first_day..last_day of the generated month at position `month`."""

    service: str
    month: int
    first_day: int
    last_day: int
    event: str
    value: int


@dataclass(frozen=True)
class FxRate:
    base_currency: str
    quote_currency: str
    rate: Decimal
    jitter: Decimal  # month-end rates spread uniformly over rate +/- jitter
    trim_zeros: bool


@dataclass(frozen=True)
class Company:
    accounts: tuple[Account, ...]
    services: tuple[str, ...]  # the order telemetry rows follow
    team_of_service: dict[str, str]
    team_of_role: dict[str, str]  # shared roles only
    roles: tuple[str, ...]
    cost_center: dict[str, str]  # team -> cost centre
    telemetry: dict[str, tuple[int, ...]]  # service -> daily baseline (telemetry.csv order)
    telemetry_events: tuple[TelemetryEvent, ...]
    invoice_lines: tuple[InvoiceLine, ...]
    fx_rates: tuple[FxRate, ...]

    def account(self, key: str) -> Account:
        return next(a for a in self.accounts if a.key == key)


# --------------------------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------------------------


def _text(name: str) -> str:
    return resources.files("orchestration.demo").joinpath(COMPANY_FOLDER, name).read_text("utf-8")


def _csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_text(name))))


def _bool(value: str, where: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    return value == "true"


def _index(names: list[str], name: str, where: str) -> int:
    if name not in names:
        raise ValueError(f"{where}: {name!r} is not one of {names}")
    return names.index(name)


def _sku(r: dict[str, str]) -> Sku:
    """A row of skus.csv (its columns but `catalog` are the fields of Sku)."""
    where = f"company/skus.csv, {r['catalog']} {r['key']}"
    values: dict[str, Any] = {k: v for k, v in r.items() if k != "catalog"}
    for name in ("weight", "daily_quantity", "weekend_swing"):
        values[name] = float(r[name])
    return Sku(
        **{
            **values,
            "roles": tuple(r["roles"].split()),
            "list_unit_price_usd": Decimal(r["list_unit_price_usd"]),
            "zonal": _bool(r["zonal"], where),
            "sku_price_details": r["sku_price_details"] or None,
        }
    )


def _account(d: dict[str, Any], skus: dict[str, tuple[Sku, ...]], services: set[str]) -> Account:
    where = f"company/accounts.json, {d['key']}"
    subs = tuple(
        SubAccount(s["id"], s["name"], s["role"], s["weight"], tuple(s.get("services", {}).items()))
        for s in d["sub_accounts"]
    )
    for s in subs:
        unknown = {app for app, _ in s.apps} - services
        if unknown:
            raise ValueError(f"{where}, {s.id}: services not in services.csv: {sorted(unknown)}")
    sub_ids = [s.id for s in subs]
    regions = tuple((r["id"], r["name"], r["weight"]) for r in d["regions"])
    templates = skus[d["sku_catalog"]]
    credit = adjustment = commitment = None
    if "credit" in d:
        c = d["credit"]
        s_idx = _index(sub_ids, c["sub_account"], f"{where}, credit")
        credit = (s_idx, c["bp"], c["description"], c["service_name"])
    if "adjustment" in d:
        a = d["adjustment"]
        s_idx = _index(sub_ids, a["sub_account"], f"{where}, adjustment")
        adjustment = (s_idx, units(Decimal(a["amount"])), a["description"])
    if "commitment" in d:
        c = d["commitment"]
        weights = c["sub_account_weights"]
        for sub_id in weights:
            _index(sub_ids, sub_id, f"{where}, commitment sub_account_weights")
        _index([t.key for t in templates], c["sku"], f"{where}, commitment sku")
        commitment = Commitment(
            id=c["id"],
            name=c["name"],
            category=c["category"],
            type=c["type"],
            unit=c["unit"],
            owner=_index(sub_ids, c["owner"], f"{where}, commitment owner"),
            tmpl=c["sku"],
            region=_index([r[0] for r in regions], c["region"], f"{where}, commitment region"),
            cover=c["share_of_usage_rows"],
            rate_bp=c["rate_bp"],
            sub_weights=tuple(weights.get(s, 0.0) for s in sub_ids),
        )
    tax = d.get("tax", {"bp": 0, "name": ""})
    surplus = d.get("invoice_surplus")
    return Account(
        key=d["key"],
        provider=d["provider"],
        id=d["billing_account_id"],
        name=d["billing_account_name"],
        currency=d["currency"],
        issuer=d["invoice_issuer"],
        account_type=d["billing_account_type"],
        sub_type=d["sub_account_type"],
        subs=subs,
        regions=regions,
        az_fmt=d["availability_zone_format"],
        price_factor=Decimal(d["list_price_factor"]),
        discount_bp=d["discount_bp"],
        tag_keys=tuple(d["application_tag_keys"].items()),
        lowercase_tags=d["lowercase_tags"],
        weight=d["share_of_rows"],
        templates=templates,
        invoice_fmt=d["invoice_id_format"],
        invoice_day=d["invoice_day"],
        usage_frequency=d["usage_charge_frequency"],
        tax_bp=tax["bp"],
        tax_name=tax["name"],
        credit=credit,
        adjustment=adjustment,
        null_contracted_on_credit_tax=d.get("null_contracted_cost_on_credit_and_tax", False),
        commitment=commitment,
        extras=tuple(d.get("extra_columns", ())),
        invoice_surplus=None if surplus is None else Decimal(surplus),
    )


def _invoice_line(r: dict[str, str]) -> InvoiceLine:
    """A row of invoice_lines.csv (its columns are the fields of InvoiceLine)."""
    high = r["quantity_high"]
    return InvoiceLine(
        **{
            **r,
            "unit_price": Decimal(r["unit_price"]),
            "quantity_low": Decimal(r["quantity_low"]),
            "quantity_high": Decimal(high) if high else None,
            "invoice_day": int(r["invoice_day"]),
        }
    )


def _telemetry_event(r: dict[str, str], services: set[str]) -> TelemetryEvent:
    where = f"company/telemetry_events.csv, {r['service']}"
    if r["service"] not in services or r["event"] not in ("slo_incident", "ingest_spike"):
        raise ValueError(f"{where}: unknown service or event {r['event']!r}")
    ints = {k: int(r[k]) for k in ("month", "first_day", "last_day", "value")}
    return TelemetryEvent(service=r["service"], event=r["event"], **ints)


@functools.cache
def load_company() -> Company:
    """The demo company, read once per process from the package's data files."""
    skus: dict[str, tuple[Sku, ...]] = {}
    for r in _csv("skus.csv"):
        skus[r["catalog"]] = (*skus.get(r["catalog"], ()), _sku(r))
    team_of_service = {r["service"]: r["team"] for r in _csv("services.csv")}
    roles = _csv("roles.csv")
    cost_center = {r["team"]: r["cost_center"] for r in _csv("teams.csv")}
    telemetry = {r.pop("service"): tuple(int(v) for v in r.values()) for r in _csv("telemetry.csv")}
    if set(telemetry) != set(team_of_service):
        raise ValueError("company/telemetry.csv: needs one row per service of services.csv")
    accounts = tuple(
        _account(d, skus, set(team_of_service)) for d in json.loads(_text("accounts.json"))
    )
    if sum(a.invoice_surplus is not None for a in accounts) > 1:
        raise ValueError("company/accounts.json: invoice_surplus is allowed on one account only")
    team_of_role = {r["role"]: r["team"] for r in roles if r["team"]}
    for a in accounts:
        for s in a.subs:
            where = f"company/accounts.json, {a.key}, {s.id}"
            _index([r["role"] for r in roles], s.role, where)
            if bool(s.apps) == (s.role in team_of_role):
                raise ValueError(f"{where}: services are given exactly for a role without a team")
        if a.commitment and a.subs[a.commitment.owner].role not in team_of_role:
            raise ValueError(
                f"company/accounts.json, {a.key}: a commitment's owner must be a shared "
                f"sub-account (a role with a team in roles.csv)"
            )
    return Company(
        accounts=accounts,
        services=tuple(team_of_service),
        team_of_service=team_of_service,
        team_of_role=team_of_role,
        roles=tuple(r["role"] for r in roles),
        cost_center=cost_center,
        telemetry=telemetry,
        telemetry_events=tuple(
            _telemetry_event(r, set(team_of_service)) for r in _csv("telemetry_events.csv")
        ),
        invoice_lines=tuple(_invoice_line(r) for r in _csv("invoice_lines.csv")),
        fx_rates=tuple(
            FxRate(
                r["base_currency"],
                r["quote_currency"],
                Decimal(r["rate"]),
                Decimal(r["jitter"]),
                _bool(r["trim_zeros"], "company/fx_rates.csv"),
            )
            for r in _csv("fx_rates.csv")
        ),
    )

"""Billing rows of one billing account and month: usage, commitment purchase / used / unused
rows, and the month-end credits, adjustments and taxes. Rows come out as batches of at most
`CHUNK_ROWS`, so memory stays bounded whatever the row count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from orchestration.demo.batch import Batch, Col, small_batch
from orchestration.demo.company_data import Account, Company, Sku
from orchestration.demo.deliveries import PARTIAL_ACCOUNT, PARTIAL_DAYS
from orchestration.demo.money import SCALE, dec, exact_sum, minor_unit
from orchestration.demo.months import WEEKDAY_FACTOR, Month
from orchestration.demo.pool import Pool, build_pool

CHUNK_ROWS = 250_000  # at most this many rows are built and written at once
POOL_CAP = 50_000  # resources per account; beyond, a resource gets several rows per day
_MAX_PRODUCT = 4 * 10**18  # keep quantity (milli) * price (units) inside int64


@dataclass
class Plan:
    """Row budget of one account: resources per month, commitment slots."""

    resources: dict[int, int]  # month idx -> resources (usage rows = resources * days)
    pool_size: int
    slots: int  # commitment capacity (instances), 0 when no commitment


@dataclass
class Totals:
    billed: int = 0
    effective: int = 0
    rows: int = 0
    billed_by_sub: dict[int, int] = field(default_factory=dict)

    def add(self, billed: np.ndarray, effective: np.ndarray, sub: np.ndarray | int) -> None:
        self.billed += exact_sum(billed)
        self.effective += exact_sum(effective)
        self.rows += int(billed.size)
        if isinstance(sub, int):
            self.billed_by_sub[sub] = self.billed_by_sub.get(sub, 0) + exact_sum(billed)
            return
        for s in np.unique(sub).tolist():
            part = exact_sum(billed[sub == s])
            self.billed_by_sub[s] = self.billed_by_sub.get(s, 0) + part


def base_columns(acct: Account, m: Month) -> dict[str, Any]:
    """The columns every usage row of the account-month shares."""
    return {
        "BillingAccountId": acct.id,
        "BillingAccountName": acct.name,
        "BillingAccountType": acct.account_type,
        "BillingCurrency": acct.currency,
        "BillingPeriodEnd": m.end,
        "BillingPeriodStart": m.start,
        "ChargeCategory": "Usage",
        "ChargeFrequency": acct.usage_frequency,
        "InvoiceId": acct.invoice_id(m),
        "InvoiceIssuerName": acct.issuer,
        "PricingCurrency": acct.currency,
        "ProviderName": acct.provider,
        "PublisherName": acct.provider,
        "ServiceProviderName": acct.provider,
        "SubAccountType": acct.sub_type,
    }


class BillingGenerator:
    def __init__(self, company: Company, seed: int, rows: int, months: list[Month]) -> None:
        self.company = company
        self.seed = seed
        self.rows = rows
        self.months = months
        self._pools: dict[str, Pool] = {}
        self._cpools: dict[str, Pool] = {}
        self.plans = {a.key: self._plan(a) for a in company.accounts}

    def rng(self, *parts: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *parts])

    def acct_no(self, acct: Account) -> int:
        return [a.key for a in self.company.accounts].index(acct.key) + 1

    def _plan(self, acct: Account) -> Plan:
        total_w = sum(a.weight for a in self.company.accounts)
        units = len(self.months)
        if acct.key == PARTIAL_ACCOUNT:  # its last month is delivered twice
            units += PARTIAL_DAYS / self.months[-1].days
        budget = self.rows * acct.weight / total_w / units  # rows per account-month
        slots = 0
        covered = 0.0
        if acct.commitment:
            slots = max(1, round(acct.commitment.cover * budget / 30.4))
            covered = slots * 30.4 * 0.93
        specials = 31 * (1 if acct.commitment else 0) + 2 * len(acct.subs) + 3
        resources = {}
        for m in self.months:
            usage = max(budget - covered - specials, m.days)
            resources[m.idx] = max(1, round(usage / m.days))
        return Plan(resources, max(resources.values()), slots)

    def pool(self, acct: Account) -> Pool:
        if acct.key not in self._pools:
            rng = self.rng(self.acct_no(acct), 0)
            size = min(self.plans[acct.key].pool_size, POOL_CAP)
            self._pools[acct.key] = build_pool(self.company, acct, size, rng)
        return self._pools[acct.key]

    def cpool(self, acct: Account) -> Pool:
        c = acct.commitment
        assert c is not None
        if acct.key not in self._cpools:
            rng = self.rng(self.acct_no(acct), 1)
            self._cpools[acct.key] = build_pool(
                self.company,
                acct,
                self.plans[acct.key].slots,
                rng,
                tmpl_key=c.tmpl,
                region=c.region,
                sub_weights=c.sub_weights,
                untagged_share=0.0,
            )
        return self._cpools[acct.key]

    # --- blocks -------------------------------------------------------------------------

    def segment(
        self, acct: Account, m: Month, day_limit: int | None, totals: Totals
    ) -> Iterator[Batch]:
        """All rows of one account-month; `day_limit` gives a partial (early) delivery."""
        full = day_limit is None
        if acct.commitment:
            yield self._purchase(acct, m, totals)
        yield from self._usage(acct, m, day_limit, totals)
        if acct.commitment:
            yield from self._covered(acct, m, day_limit, totals)
        if full:
            yield from self._month_end(acct, m, totals)

    def _days(self, m: Month) -> tuple[dict[str, Col], np.ndarray]:
        starts = m.start + 86400 * np.arange(m.days, dtype=np.int64)
        start_arr = pa.array(starts, pa.timestamp("s", tz="UTC"))
        end_arr = pa.array(starts + 86400, pa.timestamp("s", tz="UTC"))
        return {"ChargePeriodStart": start_arr, "ChargePeriodEnd": end_arr}, starts

    def _usage(
        self, acct: Account, m: Month, day_limit: int | None, totals: Totals
    ) -> Iterator[Batch]:
        pool = self.pool(acct)
        r = self.plans[acct.key].resources[m.idx]
        total = r * m.days
        limit = total if day_limit is None else r * min(day_limit, m.days)
        day_cols, starts = self._days(m)
        weekday = (starts // 86400 + 3) % 7  # 1970-01-01 was a Thursday
        day_factor = WEEKDAY_FACTOR[weekday]
        base = base_columns(acct, m)
        for ci, start in enumerate(range(0, total, CHUNK_ROWS)):
            if start >= limit:
                break
            end = min(start + CHUNK_ROWS, total)
            rng = self.rng(self.acct_no(acct), 2, m.idx, ci)
            i = np.arange(start, end, dtype=np.int64)
            day, res = i // r, (i % r) % pool.n
            noise = rng.lognormal(0.0, 0.12, i.size)
            keep = min(end, limit) - start
            day, res, noise = day[:keep], res[:keep], noise[:keep]
            season = 1.0 + pool.seasonal[res] * (day_factor[day] - 1.0)
            q_milli = np.maximum(np.rint(pool.qty[res] * season * noise * 1000.0), 1).astype(
                np.int64
            )
            if r > pool.n:
                # More rows per day than resources (beyond POOL_CAP): a resource has several rows
                # a day, which must not be identical records (the loader quarantines a repeated
                # record as a duplicate). Their quantities differ modulo the number of repeats.
                repeats = -(-r // pool.n)
                q_milli = (q_milli // repeats + 1) * repeats + ((i[:keep] % r) // pool.n)
            lp, cp = pool.list_price[res], pool.contracted_price[res]
            q_milli = np.minimum(q_milli, _MAX_PRODUCT // np.maximum(lp, 1))
            list_cost = (q_milli * lp + 500) // 1000
            contracted = (q_milli * cp + 500) // 1000
            qty = q_milli * (SCALE // 1000)
            totals.add(contracted, contracted, pool.sub[res])
            qty_arr, cost_arr = dec(qty), dec(contracted)
            cols = {k: Col(v) for k, v in base.items()}
            cols.update({k: Col(v, res) for k, v in pool.cols.items()})
            cols.update({k: Col(v, day) for k, v in day_cols.items()})
            cols.update(
                {
                    "BilledCost": Col(cost_arr),
                    "ConsumedQuantity": Col(qty_arr),
                    "ContractedCost": Col(cost_arr),
                    "EffectiveCost": Col(cost_arr),
                    "ListCost": Col(dec(list_cost)),
                    "PricingCurrencyEffectiveCost": Col(cost_arr),
                    "PricingQuantity": Col(qty_arr),
                }
            )
            yield Batch(int(keep), cols)

    def _commit_base(self, acct: Account) -> dict[str, Any]:
        c = acct.commitment
        assert c is not None
        return {
            "CommitmentDiscountCategory": c.category,
            "CommitmentDiscountId": c.id,
            "CommitmentDiscountName": c.name,
            "CommitmentDiscountType": c.type,
            "CommitmentDiscountUnit": c.unit if c.category == "Usage" else acct.currency,
        }

    def _commit_rate(self, acct: Account) -> tuple[Sku, int, int, int]:
        """(SKU, list, contracted, amortized) hourly unit prices of the commitment."""
        c = acct.commitment
        assert c is not None
        t = acct.template(c.tmpl)
        lp = acct.list_price(t)
        cp = acct.contracted_price(lp)
        return t, lp, cp, cp * c.rate_bp // 10_000

    def _utilisation(self, acct: Account, m: Month) -> np.ndarray:
        slots = self.plans[acct.key].slots
        util = self.rng(self.acct_no(acct), 3, m.idx).uniform(0.86, 1.0, m.days)
        return np.minimum(np.rint(slots * util).astype(np.int64), slots)

    def _commit_row(self, acct: Account, m: Month) -> dict[str, Any]:
        c = acct.commitment
        assert c is not None
        t, *_ = self._commit_rate(acct)
        s = acct.subs[c.owner]
        tags = {"team": self.company.team_of_role[s.role], "env": "prod"}
        region = acct.regions[c.region]
        return {
            **base_columns(acct, m),
            **self._commit_base(acct),
            "ResourceId": c.id,
            "ResourceName": c.name,
            "ResourceType": c.type,
            "RegionId": region[0],
            "RegionName": region[1],
            "ServiceCategory": t.service_category,
            "ServiceSubcategory": t.service_subcategory,
            "ServiceName": t.service_name,
            "SubAccountId": s.id,
            "SubAccountName": s.name,
            "Tags": json.dumps(tags, separators=(",", ":")),
            "SkuId": t.sku_id,
            "x_ServiceCode": t.service_code,
            "x_ServiceId": t.service_code,
        }

    def _purchase(self, acct: Account, m: Month, totals: Totals) -> Batch:
        c = acct.commitment
        assert c is not None
        _, _, _, rate = self._commit_rate(acct)
        slots = self.plans[acct.key].slots
        fee = slots * 24 * rate * m.days
        row = {
            "ChargeCategory": "Purchase",
            "ChargeFrequency": "Recurring",
            "ChargePeriodStart": m.start,
            "ChargePeriodEnd": m.end,
            "PricingCategory": "Standard",
            "BilledCost": fee,
            "EffectiveCost": 0,
            "ListCost": fee,
            "ContractedCost": fee,
            "PricingCurrencyEffectiveCost": 0,
            "CommitmentDiscountQuantity": (
                slots * 24 * m.days * SCALE if c.category == "Usage" else fee
            ),
            "ChargeDescription": f"{c.name} - recurring fee",
        }
        totals.add(np.array([fee]), np.array([0]), c.owner)
        return small_batch(self._commit_row(acct, m), [row])

    def _covered(
        self, acct: Account, m: Month, day_limit: int | None, totals: Totals
    ) -> Iterator[Batch]:
        c = acct.commitment
        assert c is not None
        cpool = self.cpool(acct)
        slots = cpool.n
        _, lp, cp, rate = self._commit_rate(acct)
        used = self._utilisation(acct, m)
        days = m.days if day_limit is None else min(day_limit, m.days)
        order = np.argsort(self.rng(self.acct_no(acct), 4, m.idx).random((m.days, slots)), axis=1)
        mask = np.arange(slots)[None, :] < used[:, None]
        day_all = np.repeat(np.arange(m.days, dtype=np.int64), used)
        slot_all = order[mask].astype(np.int64)
        keep = day_all < days
        day_all, slot_all = day_all[keep], slot_all[keep]
        day_cols, _ = self._days(m)
        base = {**base_columns(acct, m), **self._commit_base(acct)}
        hours = 24 * SCALE
        for start in range(0, day_all.size, CHUNK_ROWS):
            day = day_all[start : start + CHUNK_ROWS]
            slot = slot_all[start : start + CHUNK_ROWS]
            n = day.size
            eff = np.full(n, 24 * rate, dtype=np.int64)
            zero = np.zeros(n, dtype=np.int64)
            totals.add(zero, eff, cpool.sub[slot])
            cols = {k: Col(v) for k, v in base.items()}
            cols.update({k: Col(v, slot) for k, v in cpool.cols.items()})
            cols.update({k: Col(v, day) for k, v in day_cols.items()})
            eff_arr = dec(eff)
            cols.update(
                {
                    "PricingCategory": Col("Committed"),
                    "CommitmentDiscountStatus": Col("Used"),
                    "CommitmentDiscountQuantity": Col(
                        hours if c.category == "Usage" else 24 * rate
                    ),
                    "BilledCost": Col(dec(zero)),
                    "EffectiveCost": Col(eff_arr),
                    "PricingCurrencyEffectiveCost": Col(eff_arr),
                    "ListCost": Col(24 * lp),
                    "ContractedCost": Col(24 * cp),
                    "ConsumedQuantity": Col(hours),
                    "PricingQuantity": Col(hours),
                }
            )
            yield Batch(n, cols)
        # unused capacity: one row per day
        unused = (slots - used)[:days]
        rows = []
        for d in np.flatnonzero(unused > 0).tolist():
            amount = int(unused[d]) * 24 * rate
            rows.append(
                {
                    "ChargePeriodStart": m.start + 86400 * d,
                    "ChargePeriodEnd": m.start + 86400 * (d + 1),
                    "PricingCategory": "Committed",
                    "CommitmentDiscountStatus": "Unused",
                    "CommitmentDiscountQuantity": (
                        int(unused[d]) * hours if c.category == "Usage" else amount
                    ),
                    "BilledCost": 0,
                    "EffectiveCost": amount,
                    "PricingCurrencyEffectiveCost": amount,
                    "ListCost": 0,
                    "ContractedCost": 0,
                    "ChargeDescription": f"{c.name} - unused commitment",
                }
            )
            totals.add(np.array([0]), np.array([amount]), c.owner)
        if rows:
            yield small_batch(self._commit_row(acct, m), rows)

    def _month_end(self, acct: Account, m: Month, totals: Totals) -> Iterator[Batch]:
        """Credits, adjustments and taxes of a closed month (full deliveries only)."""
        base = {
            **base_columns(acct, m),
            "ChargePeriodStart": m.start,
            "ChargePeriodEnd": m.end,
            "ChargeFrequency": "One-Time",
            "RegionId": None,
        }
        minor = minor_unit(acct.currency)
        rows: list[dict[str, Any]] = []

        def sub_fields(s_idx: int) -> dict[str, Any]:
            s = acct.subs[s_idx]
            return {"SubAccountId": s.id, "SubAccountName": s.name}

        null_cc = acct.null_contracted_on_credit_tax
        if acct.credit:
            s_idx, bp, desc, service = acct.credit
            t = next(t for t in acct.templates if t.service_name == service)
            amount = -(totals.billed_by_sub.get(s_idx, 0) * bp // 10_000 // minor * minor)
            if amount:
                rows.append(
                    {
                        **sub_fields(s_idx),
                        "ChargeCategory": "Credit",
                        "ChargeDescription": desc,
                        "ServiceCategory": t.service_category,
                        "ServiceSubcategory": t.service_subcategory,
                        "ServiceName": t.service_name,
                        "BilledCost": amount,
                        "EffectiveCost": amount,
                        "PricingCurrencyEffectiveCost": amount,
                        "ListCost": None if null_cc else amount,
                        "ContractedCost": None if null_cc else amount,
                    }
                )
        if acct.adjustment:
            s_idx, amount, desc = acct.adjustment
            rows.append(
                {
                    **sub_fields(s_idx),
                    "ChargeCategory": "Adjustment",
                    "ChargeDescription": desc,
                    "ServiceCategory": "Other",
                    "ServiceSubcategory": "Other (Other)",
                    "ServiceName": acct.provider + " Billing",
                    "BilledCost": amount,
                    "EffectiveCost": amount,
                    "PricingCurrencyEffectiveCost": amount,
                    "ListCost": amount,
                    "ContractedCost": amount,
                }
            )
        if acct.tax_bp:
            for s_idx in range(len(acct.subs)):
                taxable = totals.billed_by_sub.get(s_idx, 0)
                amount = (taxable * acct.tax_bp // 10_000 + minor // 2) // minor * minor
                if amount <= 0:
                    continue
                rows.append(
                    {
                        **sub_fields(s_idx),
                        "ChargeCategory": "Tax",
                        "ChargeFrequency": "Recurring",
                        "ChargeDescription": f"{acct.tax_name} ({acct.tax_bp / 100:.2f}%)",
                        "ServiceCategory": "Other",
                        "ServiceSubcategory": "Other (Other)",
                        "ServiceName": "Tax",
                        "BilledCost": amount,
                        "EffectiveCost": amount,
                        "PricingCurrencyEffectiveCost": amount,
                        "ListCost": amount,
                        "ContractedCost": None if null_cc else amount,
                    }
                )
        for row in rows:
            b = np.array([row["BilledCost"]])
            s_idx = next(i for i, s in enumerate(acct.subs) if s.id == row["SubAccountId"])
            totals.add(b, b, s_idx)
        if rows:
            yield small_batch(base, rows)

"""Resource pools: the resources of one billing account (sub-account, SKU, region, size, tags)
and their pool-level column values, which billing rows reference by index."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.demo.company_data import Account, Company, resource_group
from orchestration.demo.money import dec

UNTAGGED_COST_SHARE = 0.03  # of the expected cost of resources in application sub-accounts


@dataclass
class Pool:
    n: int
    sub: np.ndarray
    tmpl: np.ndarray
    size: np.ndarray  # quantity multiplier
    qty: np.ndarray  # base pricing quantity per day (template)
    seasonal: np.ndarray
    list_price: np.ndarray  # int units
    contracted_price: np.ndarray
    cols: dict[str, pa.Array]  # pool-level values of the keyed columns


def _hex(values: np.ndarray, width: int) -> pa.Array:
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    shifts = (np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4))[None, :]
    mat = digits[((values.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)).astype(np.intp)]
    return pa.array(np.ascontiguousarray(mat).view(f"S{width}").ravel()).cast(pa.string())


def _pick(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _tag_json(
    company: Company,
    acct: Account,
    app: str | None,
    role: str,
    alias: int,
    cap: int,
    env: int,
    team: int,
    cc: int,
    untagged: int,
) -> str | None:
    if untagged == 1:
        return None
    if untagged == 2:
        return "{}"
    tags: dict[str, str] = {}
    if app is not None:
        tags[acct.tag_keys[alias][0]] = app.capitalize() if cap else app
        team_name = company.team_of_service[app]
    else:
        team_name = company.team_of_role[role]
    if env == 0:
        tags["env"] = "prod"
    elif env == 1:
        tags["environment" if acct.lowercase_tags else "Environment"] = "production"
    if team == 0:
        tags["team"] = team_name
    elif team == 1:
        tags["team" if acct.lowercase_tags else "Team"] = team_name
    if cc:
        center = company.cost_center[team_name]
        tags["cost-center"] = center.lower() if acct.lowercase_tags else center
    return json.dumps(tags, separators=(",", ":"))


def build_pool(
    company: Company,
    acct: Account,
    n: int,
    rng: np.random.Generator,
    *,
    tmpl_key: str | None = None,
    region: int | None = None,
    sub_weights: Sequence[float] | None = None,
    untagged_share: float = UNTAGGED_COST_SHARE,
) -> Pool:
    services, roles = company.services, company.roles
    templates = acct.templates
    n = max(int(n), 1)
    sub = _pick(rng, sub_weights or [s.weight for s in acct.subs], n)
    tmpl = np.zeros(n, dtype=np.int64)
    app = np.full(n, -1, dtype=np.int64)  # index into services, -1 for shared sub-accounts
    for s_idx, s in enumerate(acct.subs):
        mask = sub == s_idx
        count = int(mask.sum())
        if not count:
            continue
        if tmpl_key is not None:
            tmpl[mask] = next(i for i, t in enumerate(templates) if t.key == tmpl_key)
        else:
            allowed = [i for i, t in enumerate(templates) if s.role in t.roles]
            tmpl[mask] = np.asarray(allowed)[
                _pick(rng, [templates[i].weight for i in allowed], count)
            ]
        if s.apps:
            names = [services.index(a) for a, _ in s.apps]
            app[mask] = np.asarray(names)[_pick(rng, [w for _, w in s.apps], count)]
    reg = (
        np.full(n, region, dtype=np.int64)
        if region is not None
        else _pick(rng, [r[2] for r in acct.regions], n)
    )
    zone = rng.integers(0, 3, n)
    size = np.clip(rng.lognormal(0.0, 0.7, n), 0.05, 25.0)
    if tmpl_key is not None:
        size = np.ones(n)

    t_qty = np.array([t.daily_quantity for t in templates])
    t_seasonal = np.array([t.weekend_swing for t in templates])
    t_list = np.array([acct.list_price(t) for t in templates], dtype=np.int64)
    t_contracted = acct.contracted_price(t_list)
    qty = t_qty[tmpl] * size

    # untagged resources: a random prefix of the application resources holding ~3% of their cost
    untagged = np.zeros(n, dtype=np.int64)  # 0 tagged, 1 NULL, 2 "{}"
    apps_idx = np.flatnonzero(app >= 0)
    if untagged_share > 0 and apps_idx.size:
        order = rng.permutation(apps_idx)
        expected = qty[order] * t_list[tmpl[order]].astype(np.float64)
        budget = untagged_share * expected.sum()
        # greedy fill in random order (skipping resources that do not fit); bounded loop over
        # at most 20k resources of the pool, not over billing rows
        chosen_list = []
        for i, cost in zip(order[:20_000].tolist(), expected[:20_000].tolist(), strict=True):
            if cost <= budget:
                chosen_list.append(i)
                budget -= cost
        chosen = np.asarray(chosen_list, dtype=np.int64)
        untagged[chosen] = 1 + rng.integers(0, 2, chosen.size)
    n_alias = len(acct.tag_keys)
    alias = _pick(rng, [w for _, w in acct.tag_keys], n)
    cap = (rng.random(n) < 0.12).astype(np.int64) * (0 if acct.lowercase_tags else 1)
    env = _pick(rng, [0.6, 0.25, 0.15], n)
    team = _pick(rng, [0.55, 0.25, 0.20], n)
    cc = (rng.random(n) < 0.3).astype(np.int64)
    n_role = len(roles)
    role_idx = np.array([roles.index(s.role) for s in acct.subs])[sub]
    tag_key = (
        ((((((app + 1) * n_role + role_idx) * n_alias + alias) * 2 + cap) * 3 + env) * 3 + team) * 2
        + cc
    ) * 3 + untagged
    uniq, inv = np.unique(tag_key, return_inverse=True)
    tag_dict = []
    for k in uniq.tolist():
        k, u = divmod(k, 3)
        k, c = divmod(k, 2)
        k, tm = divmod(k, 3)
        k, e = divmod(k, 3)
        k, cp = divmod(k, 2)
        k, al = divmod(k, n_alias)
        a1, ro = divmod(k, n_role)
        app_name = services[a1 - 1] if a1 else None
        tag_dict.append(_tag_json(company, acct, app_name, roles[ro], al, cp, e, tm, c, u))
    tags = pc.take(pa.array(tag_dict, pa.string()), pa.array(inv.ravel()))

    # per (template, region, sub, app, zone) strings
    n_reg, n_sub, n_app = len(acct.regions), len(acct.subs), len(services) + 1
    combo = (((tmpl * n_reg + reg) * n_sub + sub) * n_app + (app + 1)) * 3 + zone
    uniq, inv = np.unique(combo, return_inverse=True)
    inv = pa.array(inv.ravel())
    rid_p, name_p, az_l, rg_l, cc_l, skuprice_l, usage_l = [], [], [], [], [], [], []
    for k in uniq.tolist():
        k, z = divmod(k, 3)
        k, a1 = divmod(k, n_app)
        k, s_idx = divmod(k, n_sub)
        t_idx, r_idx = divmod(k, n_reg)
        t, s, r = templates[t_idx], acct.subs[s_idx], acct.regions[r_idx]
        team_name = (
            company.team_of_service[services[a1 - 1]] if a1 else company.team_of_role[s.role]
        )
        label = services[a1 - 1] if a1 else team_name
        rid_p.append(t.resource_prefix(r[0], s.id, label))
        name_p.append(f"{label}-{t.resource_name_part}-")
        az_l.append(
            acct.az_fmt.format(region=r[0], letter="abc"[z], num=z + 1) if t.zonal else None
        )
        rg_l.append(resource_group(label) if "x_ResourceGroup" in acct.extras else None)
        cc_l.append(company.cost_center[team_name])
        skuprice_l.append(f"{t.sku_id}-{r[0]}")
        usage_l.append(f"{r[0].upper().replace('-', '')[:4]}-{t.sku_meter.replace(' ', '')}")
    hexid = _hex(rng.integers(0, 2**62, n, dtype=np.int64).astype(np.uint64), 16)

    def combo_col(values: list[str | None]) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), inv)

    def tmpl_col(values: list[Any]) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), pa.array(tmpl))

    t_idx_arr = pa.array(tmpl)
    cols = {
        "AvailabilityZone": combo_col(az_l),
        "ChargeDescription": tmpl_col([t.charge_description or t.sku_meter for t in templates]),
        "ConsumedUnit": tmpl_col([t.unit for t in templates]),
        "ContractedUnitPrice": pc.take(dec(t_contracted), t_idx_arr),
        "ListUnitPrice": pc.take(dec(t_list), t_idx_arr),
        "PricingCategory": tmpl_col([t.pricing_category for t in templates]),
        "PricingUnit": tmpl_col([t.unit for t in templates]),
        "RegionId": pc.take(pa.array([r[0] for r in acct.regions]), pa.array(reg)),
        "RegionName": pc.take(pa.array([r[1] for r in acct.regions]), pa.array(reg)),
        "ResourceId": pc.binary_join_element_wise(combo_col(rid_p), hexid, ""),
        "ResourceName": pc.binary_join_element_wise(
            combo_col(name_p), pc.utf8_slice_codeunits(hexid, 8, 16), ""
        ),
        "ResourceType": tmpl_col([t.resource_type for t in templates]),
        "ServiceCategory": tmpl_col([t.service_category for t in templates]),
        "ServiceName": tmpl_col([t.service_name for t in templates]),
        "ServiceSubcategory": tmpl_col([t.service_subcategory for t in templates]),
        "SkuId": tmpl_col([t.sku_id for t in templates]),
        "SkuMeter": tmpl_col([t.sku_meter for t in templates]),
        "SkuPriceDetails": tmpl_col([t.sku_price_details for t in templates]),
        "SkuPriceId": combo_col(skuprice_l),
        "SubAccountId": pc.take(pa.array([s.id for s in acct.subs]), pa.array(sub)),
        "SubAccountName": pc.take(pa.array([s.name for s in acct.subs]), pa.array(sub)),
        "Tags": tags,
        "x_ServiceCode": tmpl_col([t.service_code for t in templates]),
        "x_ServiceId": tmpl_col([t.service_code for t in templates]),
        "x_UsageType": combo_col(usage_l),
        "x_ResourceGroup": combo_col(rg_l),
        "x_CostCenter": pc.if_else(
            pc.equal(pa.array(untagged), 0), combo_col(cc_l), pa.scalar(None, pa.string())
        ),
    }
    cols["PricingCurrencyContractedUnitPrice"] = cols["ContractedUnitPrice"]
    cols["PricingCurrencyListUnitPrice"] = cols["ListUnitPrice"]
    return Pool(n, sub, tmpl, size, qty, t_seasonal[tmpl], t_list[tmpl], t_contracted[tmpl], cols)

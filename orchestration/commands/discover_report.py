"""How `tbm discover` prints what it found: text for the console, and a self-contained HTML
page (inline SVG charts, no scripts, no network). Formatting only: every figure comes from the
onboarding models (orchestration/commands/discover.py)."""

from __future__ import annotations

import html
from decimal import Decimal

from orchestration.commands.discover import Discovery
from orchestration.commands.formatting import money, pct

TOP_VALUES = 5
TOP_SERVICES = 10


def _label(identifier: str | None, name: str | None) -> str:
    if identifier and name and name != identifier:
        return f"{identifier} ({name})"
    return identifier or name or "(none)"


def top_values_text(discovery: Discovery, tag_key: str) -> str:
    values = discovery.values_of(tag_key)
    shown = ", ".join(
        f"{v['tag_value']} {money(v['effective_cost_reporting'])}" for v in values[:TOP_VALUES]
    )
    return shown + (f", ... ({len(values) - TOP_VALUES} more)" if len(values) > TOP_VALUES else "")


def text_lines(d: Discovery) -> list[str]:
    cur = d.reporting_currency
    out: list[str] = []
    billing_files = [f for f in d.files if f.extract_kind == "billing" and f.status != "skipped"]
    for f in billing_files:
        line = f"  {f.status:<9} {f.path}: {f.rows_loaded:,} rows loaded"
        if f.rows_quarantined:
            line += f", {f.rows_quarantined:,} quarantined"
        if f.message:
            line += f" ({f.message})"
        out.append(line)
    charges = sum(r["charge_count"] for r in d.grain("provider"))
    missing = sum(r["missing_fx_rate_count"] for r in d.grain("provider"))
    out.append(f"Billing: {charges:,} current charges, effective cost {money(d.total)} {cur}")
    for r in d.grain("billing_currency"):
        out.append(
            f"  in {r['billing_currency']}: {money(r['effective_cost_billing'])} "
            f"({r['charge_count']:,} charges)"
        )
    if missing:
        out.append(f"  {missing:,} charges have no FX rate to {cur}: left out of the figures below")

    out += ["", f"Cost by provider, billing account and sub account ({cur}, share of all cost)"]
    for p in d.grain("provider"):
        out.append(
            f"  {p['provider_name']}: {money(p['effective_cost_reporting'])} "
            f"({pct(p['cost_share'])})"
        )
        for b in d.grain("billing_account"):
            if b["provider_name"] != p["provider_name"]:
                continue
            out.append(
                f"    billing account "
                f"{_label(b['billing_account_id'], b['billing_account_name'])}: "
                f"{money(b['effective_cost_reporting'])} ({pct(b['cost_share'])})"
            )
            for s in d.grain("sub_account"):
                if (s["provider_name"], s["billing_account_id"]) != (
                    p["provider_name"],
                    b["billing_account_id"],
                ):
                    continue
                out.append(
                    f"      sub account {_label(s['sub_account_id'], s['sub_account_name'])}: "
                    f"{money(s['effective_cost_reporting'])} ({pct(s['cost_share'])}), "
                    f"untagged {money(s['untagged_cost_reporting'])}"
                )
    out += ["", f"Cost by provider service (top {TOP_SERVICES} per provider, {cur})"]
    for p in d.grain("provider"):
        services = [s for s in d.grain("service") if s["provider_name"] == p["provider_name"]]
        for s in services[:TOP_SERVICES]:
            out.append(
                f"  {p['provider_name']} / {s['service_name'] or '(none)'}: "
                f"{money(s['effective_cost_reporting'])} ({pct(s['cost_share'])})"
            )
        if len(services) > TOP_SERVICES:
            out.append(f"  {p['provider_name']}: {len(services) - TOP_SERVICES} more services")

    out += [
        "",
        "Tag keys after alias harmonization (share of cost carrying the key; distinct values; "
        "top values)",
    ]
    if not d.tag_keys:
        out.append("  no charge carries a tag")
    for k in d.tag_keys:
        owner = f" [names an owner: {k['owner_kind']}]" if k["is_owner_key"] else ""
        out.append(
            f"  {k['tag_key']}: {pct(k['covered_share'])} ({money(k['covered_cost_reporting'])}), "
            f"{k['distinct_value_count']:,} values{owner}"
        )
        out.append(f"      {top_values_text(d, k['tag_key'])}")

    out += ["", "Keys that name an owner, ranked by cost covered"]
    if not d.owner_keys:
        out.append("  none: no tag key of seeds/mapping/owner_tag_keys.csv carries cost")
    for k in d.owner_keys:
        verdict = "drafted" if k["is_drafted"] else "not drafted"
        out.append(
            f"  {k['owner_key_rank']}. {k['tag_key']} ({k['owner_kind']}): covers "
            f"{pct(k['covered_share'])}, adds {pct(k['marginal_share'])} to the keys above; "
            f"{verdict}"
        )

    tagged_share = d.tagged / d.total if d.total else None
    out += [
        "",
        f"Drafts: {len(d.rules)} mapping rules, {len(d.services)} services. Drafted tag keys cover "
        f"{money(d.tagged)} {cur} ({pct(tagged_share)}); account rules take the untagged rest",
    ]
    for r in d.rules:
        what = (
            f"tag {r['match_key']}=*"
            if r["rule_type"] == "tag"
            else f"{r['provider_name']} {r['match_key']}={r['match_value']} -> {r['service_id']}"
        )
        out.append(
            f"  {r['rule_id']}: {what}, covers {money(r['covered_cost_reporting'])} "
            f"({pct(r['covered_share'])}, {r['charge_count']:,} charges)"
        )
    if d.written is not None:
        w = d.written
        out += ["", f"Wrote drafts to {w.folder}:"]
        for name in ("services", "mapping_rules"):
            out.append(
                f"  {name}.csv: {len(w.added[name])} new drafts, {w.kept[name]} rows kept as they "
                f"were; {w.pending[name]} rows marked draft await review"
            )
        out.append("  review: docs/onboarding.md; then `tbm run --org` on this folder")
    elif d.rules:
        out += [
            "",
            "Nothing written: `--write --org DIR` adds these drafts to the organisation folder",
        ]
    return out


# --- HTML -------------------------------------------------------------------------------------


def _share_bars_svg(rows: list[tuple[str, Decimal | None, bool]], width: int = 720) -> str:
    """Horizontal bars of shares (0..1), highlighted rows in the owner colour."""
    bar, gap, label_width = 18, 6, 220
    height = len(rows) * (bar + gap) + gap
    span = width - label_width - 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, share, highlighted) in enumerate(rows):
        y = gap + i * (bar + gap)
        length = 0.0 if share is None or share <= 0 else float(min(share, Decimal(1))) * span
        colour = "#f28e2b" if highlighted else "#4e79a7"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{html.escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}" font-size="11">'
            f"{pct(share)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _stacked_svg(rows: list[tuple[str, Decimal, Decimal]], width: int = 720) -> str:
    """One bar per row: tagged cost (blue) then untagged cost (red), scaled to the largest."""
    bar, gap, label_width = 18, 6, 220
    height = len(rows) * (bar + gap) + gap
    span = width - label_width - 120
    top = max((max(t, Decimal(0)) + max(u, Decimal(0)) for _, t, u in rows), default=Decimal(0))
    top = top or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, tagged, untagged) in enumerate(rows):
        y = gap + i * (bar + gap)
        t = float(max(tagged, Decimal(0)) / top) * span
        u = float(max(untagged, Decimal(0)) / top) * span
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{html.escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{t:.1f}" height="{bar}" fill="#4e79a7"/>'
            f'<rect x="{label_width + t:.1f}" y="{y}" width="{u:.1f}" height="{bar}" '
            'fill="#e15759"/>'
            f'<text x="{label_width + t + u + 4:.1f}" y="{y + 13}" font-size="11">'
            f"untagged {money(untagged)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[object]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{html.escape(str(c))}</td>'
            if i in numeric
            else f"<td>{html.escape(str(c))}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(d: Discovery) -> str:
    cur = d.reporting_currency
    e = html.escape
    accounts = d.grain("sub_account")
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>tbm discover</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}td.n{text-align:right}"
        ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}</style>",
        "</head><body>",
        "<h1>Billing discovered</h1>",
        f"<p>Effective cost {e(money(d.total))} {e(cur)}; drafted owner tags cover "
        f"{e(money(d.tagged))} {e(cur)} ({e(pct(d.tagged / d.total if d.total else None))}).</p>",
        "<h2>Tag coverage: share of cost carrying each key</h2>",
        "<p class='legend'><span style='background:#f28e2b'></span>names an owner"
        "<span style='background:#4e79a7'></span>other key</p>",
        _share_bars_svg(
            [(k["tag_key"], k["covered_share"], k["is_owner_key"]) for k in d.tag_keys]
        ),
        "<h2>Unallocated cost by account before account rules</h2>",
        "<p class='legend'><span style='background:#4e79a7'></span>covered by a drafted owner tag"
        "<span style='background:#e15759'></span>untagged (unallocated unless an account rule "
        "maps it)</p>",
        _stacked_svg(
            [
                (
                    f"{a['provider_name']} {_label(a['sub_account_id'], a['sub_account_name'])}",
                    a["tagged_cost_reporting"],
                    a["untagged_cost_reporting"],
                )
                for a in accounts
            ]
        ),
        "<h2>Cost by account</h2>",
        _table(
            [
                "provider",
                "billing account",
                "sub account",
                f"cost {cur}",
                "share",
                f"untagged {cur}",
            ],
            [
                [
                    a["provider_name"],
                    _label(a["billing_account_id"], a["billing_account_name"]),
                    _label(a["sub_account_id"], a["sub_account_name"]),
                    money(a["effective_cost_reporting"]),
                    pct(a["cost_share"]),
                    money(a["untagged_cost_reporting"]),
                ]
                for a in accounts
            ],
            {3, 4, 5},
        ),
        "<h2>Cost by provider service</h2>",
        _table(
            ["provider", "service", f"cost {cur}", "share"],
            [
                [
                    s["provider_name"],
                    s["service_name"] or "(none)",
                    money(s["effective_cost_reporting"]),
                    pct(s["cost_share"]),
                ]
                for s in d.grain("service")
            ],
            {2, 3},
        ),
        "<h2>Tag keys</h2>",
        _table(
            ["key", "names an owner", f"covered {cur}", "share", "values", "top values"],
            [
                [
                    k["tag_key"],
                    k["owner_kind"] or "",
                    money(k["covered_cost_reporting"]),
                    pct(k["covered_share"]),
                    k["distinct_value_count"],
                    top_values_text(d, k["tag_key"]),
                ]
                for k in d.tag_keys
            ],
            {2, 3, 4},
        ),
        "<h2>Drafted mapping rules</h2>",
        _table(
            ["rule", "type", "provider", "key", "value", "service", f"covers {cur}", "share"],
            [
                [
                    r["rule_id"],
                    r["rule_type"],
                    r["provider_name"] or "",
                    r["match_key"],
                    r["match_value"],
                    r["service_id"] or "(tag value)",
                    money(r["covered_cost_reporting"]),
                    pct(r["covered_share"]),
                ]
                for r in d.rules
            ],
            {6, 7},
        ),
        "<h2>Drafted services</h2>",
        _table(
            ["service", "name", "from", f"covers {cur}", "share"],
            [
                [
                    s["service_id"],
                    s["service_name"],
                    f"tag {s['tag_key']}"
                    if s["draft_basis"] == "tag"
                    else f"account {s['account_name']}",
                    money(s["covered_cost_reporting"]),
                    pct(s["covered_share"]),
                ]
                for s in d.services
            ],
            {3, 4},
        ),
        "</body></html>",
    ]
    return "\n".join(out)

"""`tbm discover`: what a company's billing says about its owners, and draft rules for review.

The billing is loaded (orchestration/pipeline/load.py) into a scratch DuckDB warehouse of its own,
from the landing folder and/or copied from a warehouse `tbm run` already loaded, so discover never
changes a working warehouse. dbt then builds the onboarding models there
(models/intermediate/onboarding and what they need): the cost by provider, account and service,
the tag keys after alias harmonization with their coverage and values, the owner keys ranked by
cost, and the drafted services and mapping rules. Every figure and decision is SQL in those
models; this module loads, invokes dbt, reads the models and formats them (text, HTML) and merges
the drafts into the organisation folder (`--write`).

The draft convention (docs/onboarding.md): a drafted mapping rule's `description` and a drafted
service's `owner` start with `draft: covers <amount> <currency> (<share>%)`. A person reviews a
draft by editing the row (an owner's e-mail, a better name, a narrower rule); a re-run of
`--write` never changes a row whose key (rule_id, service_id) is already in the file, edited or
not, and adds only drafts that are new.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.org.template import FALLBACK_RULE
from orchestration.pipeline.dbt_project import run_dbt
from orchestration.pipeline.load import FileResult, LandingPathError, load_extract, new_run_id
from orchestration.pipeline.reference_data import load_reference_data
from orchestration.settings import ORG_STAGING, Settings
from orchestration.warehouse import connect
from orchestration.warehouse.control_tables import ensure_control_tables

DRAFT_MARK = "draft"
# what discover reads from a warehouse `tbm run` loaded: the raw tables its models need
RAW_TABLES = (
    "billing",
    "load_log",
    "quarantine",
    "fx_rates",
    "fx_reference_rates",
    "currency_reference",
)
ONBOARDING_MODELS = "path:models/intermediate/onboarding"


class DiscoverError(RuntimeError):
    """A verdict of discover (the message says what to fix); `exit_code` is the command's."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Discovery:
    """What the onboarding models say, as rows (dicts of column -> value; money is Decimal)."""

    reporting_currency: str
    files: list[FileResult]
    costs: list[dict]
    tag_keys: list[dict]
    tag_values: list[dict]
    owner_keys: list[dict]
    rules: list[dict]
    services: list[dict]
    written: WriteResult | None = None

    def grain(self, name: str) -> list[dict]:
        return [row for row in self.costs if row["grain"] == name]

    @property
    def total(self) -> Decimal:
        return sum(
            (r["effective_cost_reporting"] or Decimal(0) for r in self.grain("provider")),
            Decimal(0),
        )

    @property
    def tagged(self) -> Decimal:
        return sum((r["tagged_cost_reporting"] for r in self.grain("provider")), Decimal(0))

    def values_of(self, tag_key: str) -> list[dict]:
        return [v for v in self.tag_values if v["tag_key"] == tag_key]


@dataclass
class WriteResult:
    folder: Path
    added: dict[str, list[str]] = field(default_factory=dict)  # file -> keys added
    kept: dict[str, int] = field(default_factory=dict)  # file -> rows already there
    pending: dict[str, int] = field(default_factory=dict)  # file -> rows still marked draft


# --- organisation files ---------------------------------------------------------------------


def organisation_headers() -> dict[str, list[str]]:
    """Each organisation file's columns, in order, from its schema."""
    from orchestration.org import org_files

    return {spec.name: [c.name for c in spec.columns] for spec in org_files()}


def draft_text(amount: Decimal | None, share: Decimal | None, currency: str) -> str:
    """`draft: covers 1,234.56 USD (12.34%)`: the mark a drafted row carries until reviewed."""
    from orchestration.commands.formatting import money, pct

    return f"{DRAFT_MARK}: covers {money(amount)} {currency} ({pct(share)})"


def is_draft(text: str | None) -> bool:
    return (text or "").strip().lower().startswith(DRAFT_MARK)


def _rule_description(rule: dict, currency: str) -> str:
    covers = draft_text(rule["covered_cost_reporting"], rule["covered_share"], currency)
    if rule["rule_type"] == "tag":
        why = f"the {rule['match_key']} tag names the service (its lower-cased value)"
    elif rule["draft_basis"] == "account_main_service":
        why = (
            f"untagged cost of account {rule['account_name']}, to the service most of its "
            "tagged cost maps to"
        )
    else:
        why = f"untagged cost of account {rule['account_name']}, which carries no owner tag"
    return f"{covers}; {why}"


def draft_rows(discovery: Discovery) -> dict[str, list[dict[str, str]]]:
    """The drafted rows of services.csv and mapping_rules.csv, as text by column."""
    currency = discovery.reporting_currency

    def text(value) -> str:
        return "" if value is None else str(value)

    services = [
        {
            "service_id": s["service_id"],
            "service_name": text(s["service_name"]),
            "service_type": s["service_type"],
            "owner": draft_text(s["covered_cost_reporting"], s["covered_share"], currency),
            "business_unit": text(s["business_unit"]),
            "cost_center": "",
            "tbm_solution": s["tbm_solution"],
            "valid_from": text(s["valid_from"]),
            "valid_to": text(s["valid_to"]),
        }
        for s in discovery.services
    ]
    rules = [
        {
            "rule_id": r["rule_id"],
            "rule_type": r["rule_type"],
            "priority": text(r["priority"]),
            "provider_name": text(r["provider_name"]),
            "match_key": text(r["match_key"]),
            "match_value": text(r["match_value"]),
            "service_id": text(r["service_id"]),
            "valid_from": text(r["valid_from"]),
            "valid_to": text(r["valid_to"]),
            "description": _rule_description(r, currency),
        }
        for r in discovery.rules
    ]
    return {"services": services, "mapping_rules": rules}


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]], str]:
    """Header, rows and text of an organisation CSV; ([], [], '') when missing or empty."""
    if not path.exists():
        return [], [], ""
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return [], [], ""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows, text


def _rule_match(row: dict[str, str]) -> tuple[str, ...]:
    """What a rule matches on: a draft equal to an existing rule is not added again."""
    return (
        (row.get("rule_type") or "").strip(),
        (row.get("provider_name") or "").strip(),
        (row.get("match_key") or "").strip().lower(),
        (row.get("match_value") or "").strip(),
    )


def write_drafts(discovery: Discovery, folder: Path) -> WriteResult:
    """Add the drafts that are new to FOLDER's services.csv and mapping_rules.csv.

    Existing rows stay byte for byte (new rows are appended); a draft is new when its key
    (service_id; rule_id) is not in the file and, for a rule, no rule of the file matches the
    same thing (type, provider, key, value). A missing or empty file is created with its header.
    """
    headers = organisation_headers()
    drafts = draft_rows(discovery)
    result = WriteResult(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, key, mark in (
        ("services", "service_id", "owner"),
        ("mapping_rules", "rule_id", "description"),
    ):
        path = folder / f"{name}.csv"
        header, rows, text = _read_rows(path)
        header = header or headers[name]
        keys = {row.get(key) for row in rows}
        matches = {_rule_match(row) for row in rows} if name == "mapping_rules" else set()
        new = [
            draft
            for draft in drafts[name]
            if draft[key] not in keys
            and (name != "mapping_rules" or _rule_match(draft) not in matches)
        ]
        result.pending[name] = sum(is_draft(row.get(mark)) for row in rows) + len(new)
        if name == "mapping_rules" and not any(r.get("rule_type") == "fallback" for r in rows):
            # what no rule maps: every organisation folder has this rule (orchestration/org)
            new.append(dict(FALLBACK_RULE))
        result.kept[name] = len(rows)
        result.added[name] = [draft[key] for draft in new]
        if not new and text:
            continue
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        if not text:
            writer.writeheader()
        elif not text.endswith(("\n", "\r")):
            out.write("\n")
        writer.writerows(new)
        _atomic_write(path, text + out.getvalue())
    discovery.written = result
    return result


def _atomic_write(path: Path, text: str) -> None:
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(scratch, path)


# --- loading and building --------------------------------------------------------------------


@contextmanager
def scratch_settings(settings: Settings) -> Iterator[Settings]:
    """Settings of a scratch warehouse in a temporary folder (removed afterwards), with an
    empty organisation folder (`tbm init`'s) for dbt to parse with: the onboarding models read
    no organisation data."""
    from orchestration.org import stage_for_dbt
    from orchestration.org.template import write_empty_folder

    folder = Path(tempfile.mkdtemp(prefix="tbm-discover-"))
    scratch = replace(
        settings,
        warehouse=folder / "discover.duckdb",
        published=folder / "discover.published.duckdb",
        temp_dir=folder / "tmp",
        org=folder / "org",
        engine="duckdb",
        dbt_target="duckdb",
    )
    try:
        write_empty_folder(scratch.org)
        stage_for_dbt(scratch)
        yield scratch
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if scratch.org_seed_path.is_relative_to(ORG_STAGING):
            shutil.rmtree(scratch.org_seed_path, ignore_errors=True)


def _copy_loaded(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """The raw tables a warehouse already loaded, into the scratch warehouse (read only)."""
    try:
        con.execute("attach ? as loaded (read_only)", [str(source)])
    except duckdb.Error as exc:
        text = str(exc).splitlines()[0]
        locked = "lock" in text.lower()
        raise DiscoverError(
            f"cannot read warehouse {source}: {text}"
            + (" (a run holds it; try again when it ends)" if locked else ""),
            5 if locked else 1,
        ) from None
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'loaded' and table_schema = 'raw'"
        ).fetchall()
    }
    for table in RAW_TABLES:
        if table in present:
            # table names are this module's constants
            con.execute(f"insert into raw.{table} by name select * from loaded.raw.{table}")  # noqa: S608
    con.execute("detach loaded")


def load_billing(settings: Settings, landing: Path | None, loaded: Path | None) -> list[FileResult]:
    """Billing and FX rates into the scratch warehouse of SETTINGS: copied from the warehouse
    LOADED, then the landing folder's files it does not hold yet (same sha256: skipped)."""
    run_id = new_run_id()
    con = connect(settings.warehouse, settings.memory_limit, settings.temp_dir)
    try:
        ensure_control_tables(con)
        if loaded is not None:
            _copy_loaded(con, loaded)
        results: list[FileResult] = []
        if landing is not None:
            try:
                for kind in ("billing", "fx_rates"):
                    results += load_extract(con, landing, kind, run_id)
            except LandingPathError as exc:
                raise DiscoverError(f"error: {exc}", 2) from None
        load_reference_data(con, run_id)
        (rows,) = con.execute("select count(*) from raw.billing").fetchone()
    finally:
        con.close()
    if not rows:
        rejected = [r for r in results if r.extract_kind == "billing" and r.status == "rejected"]
        detail = "".join(f"\n  rejected {r.path}: {r.message}" for r in rejected)
        raise DiscoverError(f"no billing data: no billing row loaded{detail}", 7)
    return results


def build_models(settings: Settings, target_path: Path) -> None:
    """dbt build of the onboarding models and what they need (seeds, staging, conversion), no
    data tests: discover describes the data as it is; `tbm run` gates it."""
    variables = {
        "onboarding_max_unallocated_share": str(settings.thresholds["max_unallocated_share"])
    }
    result = run_dbt(
        *("build", "--select", f"+{ONBOARDING_MODELS}"),
        *("--exclude-resource-type", "test", "unit_test"),
        *("--vars", json.dumps(variables)),
        target=settings.dbt_target,
        target_path=target_path,
        env=settings.dbt_environment(),
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise DiscoverError(f"the dbt build of the onboarding models failed:\n{tail}", 4)


QUERIES = {
    "costs": "select * from intermediate.int_charge_costs_summed_for_onboarding "
    "order by grain, effective_cost_reporting desc nulls last, provider_name, "
    "billing_account_id, sub_account_id, service_name, billing_currency",
    "tag_keys": "select * from intermediate.int_tag_keys_measured_by_cost order by key_rank",
    "tag_values": "select * from intermediate.int_tag_values_measured_by_cost "
    "order by tag_key, value_rank",
    "owner_keys": "select * from intermediate.int_owner_tag_keys_chosen_for_drafts "
    "order by owner_key_rank",
    "rules": "select * from intermediate.int_mapping_rules_drafted_for_onboarding "
    "order by rule_type desc, priority, covered_cost_reporting desc nulls last, rule_id",
    "services": "select * from intermediate.int_services_drafted_for_onboarding "
    "order by covered_cost_reporting desc nulls last, service_id",
}


def read_discovery(settings: Settings, files: list[FileResult]) -> Discovery:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = {}
        for name, sql in QUERIES.items():
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            tables[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return Discovery(settings.reporting_currency, files, **tables)


def discover(
    settings: Settings, landing: Path | None, loaded: Path | None, write_to: Path | None = None
) -> Discovery:
    """Load, build, read; with WRITE_TO, merge the drafts into that organisation folder."""
    with scratch_settings(settings) as scratch:
        files = load_billing(scratch, landing, loaded)
        build_models(scratch, scratch.warehouse.parent / "target")
        discovery = read_discovery(scratch, files)
    if write_to is not None:
        write_drafts(discovery, write_to)
    return discovery

"""Landing extract kinds and the typed layout of their `raw.*` tables.

Every raw table starts with the lineage columns `_file_id` (row of `raw.load_log`) and `_line`
(1-based line of the record in its file, the header being line 1; for Parquet the row number + 1),
then the typed columns below, then `_extra_columns` (a JSON object of the columns the spec does not
know, kept rather than dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.pipeline.focus import FOCUS_COLUMNS, MONEY, TEXT, TS

DATE = "date"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    required: bool = False


@dataclass(frozen=True)
class ExtractSpec:
    kind: str  # landing folder name and raw table name
    columns: tuple[Column, ...]
    description: str

    @property
    def table(self) -> str:
        return f"raw.{self.kind}"

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}


BILLING = ExtractSpec(
    "billing",
    tuple(Column(c.name, c.sql_type, c.required) for c in FOCUS_COLUMNS),
    "FOCUS 1.0-1.3 cost and usage exports (CSV, CSV.gz or Parquet), one snapshot per file of each "
    "(provider, billing account, billing period) it contains.",
)

INVOICES = ExtractSpec(
    "invoices",
    (
        Column("invoice_id", TEXT, required=True),
        Column("invoice_line_id", TEXT, required=True),
        Column("invoice_type", TEXT, required=True),  # cloud | saas | vendor
        Column("vendor_name", TEXT, required=True),
        Column("billing_account_id", TEXT, required=True),
        Column("invoice_date", DATE, required=True),
        Column("service_period_start", DATE, required=True),
        Column("service_period_end", DATE, required=True),  # exclusive
        Column("currency", TEXT, required=True),
        Column("amount", MONEY, required=True),
        Column("product", TEXT),
        Column("description", TEXT),
        Column("quantity", MONEY),
    ),
    "Cloud, SaaS and vendor invoices, one row per invoice line.",
)

TELEMETRY = ExtractSpec(
    "telemetry",
    (
        Column("usage_date", DATE, required=True),
        Column("service_id", TEXT, required=True),
        Column("requests", MONEY),
        Column("cpu_core_hours", MONEY),
        Column("storage_gb", MONEY),
        Column("active_users", MONEY),
        Column("ci_builds", MONEY),
        Column("hosts", MONEY),
        Column("slo_good_events", MONEY),
        Column("slo_total_events", MONEY),
        Column("ci_runner_minutes", MONEY),  # CI runner time of the service's builds
        Column("observability_ingest_gb", MONEY),  # logs, metrics and traces ingested
    ),
    "Service telemetry, one row per service per day.",
)

FX_RATES = ExtractSpec(
    "fx_rates",
    (
        Column("rate_date", DATE, required=True),
        Column("base_currency", TEXT, required=True),
        Column("quote_currency", TEXT, required=True),
        Column("rate", MONEY, required=True),  # 1 base = rate quote
    ),
    "The company's own (treasury) FX rates; they take precedence over the ECB reference rates.",
)

DEPLOY_EVENTS = ExtractSpec(
    "deploy_events",
    (
        Column("deployed_at", TS, required=True),  # when the deployment finished (UTC)
        Column("service_id", TEXT, required=True),
        Column("version", TEXT, required=True),
        Column("environment", TEXT),  # e.g. production, staging
        Column("commit_sha", TEXT),
    ),
    "Deployments from the CD tool, one row per deployment of a service version.",
)

CONTAINER_USAGE = ExtractSpec(
    "container_usage",
    (
        Column("usage_hour", TS, required=True),  # start of the hour (UTC)
        Column("cluster_name", TEXT, required=True),
        Column("namespace", TEXT, required=True),
        Column("pod_name", TEXT, required=True),
        Column("service_id", TEXT),  # empty where no label names the service
        # averages over the hour, as OpenCost's allocation export gives them
        Column("cpu_cores_requested", MONEY),
        Column("cpu_cores_used", MONEY),
        Column("memory_gib_requested", MONEY),
        Column("memory_gib_used", MONEY),
    ),
    "Kubernetes container usage, one row per cluster, namespace, pod and hour.",
)

EXTRACTS: dict[str, ExtractSpec] = {
    s.kind: s for s in (BILLING, INVOICES, TELEMETRY, FX_RATES, DEPLOY_EVENTS, CONTAINER_USAGE)
}


def raw_table_ddl(spec: ExtractSpec) -> str:
    """`create table` for one extract's raw table (names come from the spec, never from files)."""
    cols = ",\n    ".join(f"{c.name} {c.sql_type}" for c in spec.columns)
    return (
        f"create table if not exists {spec.table} (\n"
        f"    _file_id bigint not null,\n    _line bigint not null,\n    {cols},\n"
        f"    _extra_columns varchar\n)"
    )

"""Deterministic demo-data generator for the landing folder (see docs/landing-and-raw.md).

`generate(landing, rows=..., months=..., seed=...)` writes FOCUS billing exports (CSV, CSV.gz,
Parquet; FOCUS 1.0, 1.2 and 1.3), cloud and SaaS invoices, service telemetry and treasury FX rates.
The same arguments always give byte-identical files: nothing reads the clock, every random draw
comes from `numpy.random.default_rng` seeded with `[seed, ...]`.

Money is generated as int64 in units of 1e-10 (`SCALE`) and formatted exactly: CSV files carry
decimal strings with at most 10 decimals (never an exponent), Parquet files carry
`decimal128(38,10)` money columns and `timestamp[us, UTC]` timestamps. Billing rows are generated
vectorized per chunk of at most `CHUNK_ROWS` rows and streamed to disk, so memory stays bounded
whatever `rows` is.

Demo conventions worth knowing (all documented in the report and the test file):
- Billing accounts of the contract (AWS `aws-payer-001` USD, AWS `aws-payer-eu-002` EUR, Microsoft
  `azure-ba-7788` EUR, Google Cloud `gcp-0A1B2C-3D4E5F` JPY) plus a small Oracle (OCI) tenancy in
  USD.
- Files (default 3 months): AWS USD as FOCUS 1.2 CSV per month, the last month as FOCUS 1.3 (both
  `ProviderName` and `ServiceProviderName` = `AWS`); AWS EU as FOCUS 1.2 Parquet per month; Azure as
  FOCUS 1.0 CSV for every month but the last; one FOCUS 1.2 CSV holding the OCI rows of all months
  and the Azure rows of the last month (two providers in one file); Google Cloud as FOCUS 1.2 CSV.gz
  per month, the last month delivered twice (days 1-10, then the full month, sorting later).
- Commitments: an AWS Compute Savings Plan owned by `222222222222` and an Azure reservation owned by
  `sub-platform-01`; per month one `Purchase` row (BilledCost = fee, EffectiveCost 0), `Used` rows
  (BilledCost 0, EffectiveCost amortized) and daily `Unused` rows; used + unused = fee.
- Cloud invoices equal the rounded sum of BilledCost per account and month (ROUND_HALF_UP to the
  currency's minor units), except the Azure invoice of month index `months // 2`: +12.34 EUR.
- SaaS invoices (Datadog, GitHub incl. an annual prepaid Enterprise licence, Slack, Snowflake) and,
  in `vendor_invoices_*.csv`, shared security tooling (Wiz) and a managed IT support contract
  (Northwind Managed Services, invoice_type `vendor`): the shared pools the allocation needs.
- `inject_errors=True` writes `billing/zz_bad_rows_<month before start_month>.csv`: its billing
  period lies outside the generated months on purpose, so that (snapshot semantics) it does not
  supersede the real `aws-payer-001` export of a generated month.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import gzip
import io
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.pipeline.extracts import FX_RATES, INVOICES, TELEMETRY
from orchestration.pipeline.focus import FOCUS_BY_NAME, MONEY, TS, columns_for_version

SCALE = 10**10  # money and quantities: int64 in units of 1e-10
CHUNK_ROWS = 250_000  # at most this many rows are built and written at once
GZIP_LEVEL = 3
MONEY_TYPE = pa.decimal128(38, 10)
TS_TYPE = pa.timestamp("us", tz="UTC")
INVOICE_MISMATCH = Decimal("12.34")  # the Azure invoice of month index months // 2 is this high
UNTAGGED_COST_SHARE = 0.03  # of the expected cost of resources in application sub-accounts
PARTIAL_DAYS = 10  # the first Google Cloud delivery of the last month covers days 1-10
POOL_CAP = 50_000  # resources per account; beyond, a resource gets several rows per day

SERVICES = (
    "checkout",
    "payments",
    "search",
    "catalog",
    "identity",
    "recommendations",
    "mobile-api",
    "data-platform",
    "ci-cd",
    "observability",
)
SHARED_SERVICES = ("shared-platform", "shared-network")
# The key naming the service, as providers write it (seeds/mapping/tag_key_aliases.csv).
APPLICATION_TAG_KEYS = ("application", "Application", "app", "App", "service")
TEAMS = {
    "checkout": "commerce",
    "payments": "payments",
    "search": "discovery",
    "catalog": "commerce",
    "identity": "identity",
    "recommendations": "discovery",
    "mobile-api": "mobile",
    "data-platform": "data",
    "ci-cd": "devex",
    "observability": "sre",
}
COST_CENTERS = {
    "commerce": "CC-1100",
    "payments": "CC-1200",
    "discovery": "CC-1300",
    "identity": "CC-1400",
    "mobile": "CC-1500",
    "data": "CC-2100",
    "devex": "CC-2200",
    "sre": "CC-2300",
    "platform": "CC-9100",
    "network": "CC-9200",
}
ROLE_TEAM = {"shared-platform": "platform", "shared-network": "network", "data-platform": "data"}
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}

Fmt = Literal["csv", "csv.gz", "parquet"]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    path: str  # relative to the landing folder, POSIX separators
    kind: str  # billing | invoices | telemetry | fx_rates
    fmt: str  # csv | csv.gz | parquet
    rows: int  # data rows (header excluded)
    focus_version: str | None = None
    providers: tuple[str, ...] = ()
    billing_accounts: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class BadRows:
    """The `inject_errors` file. Line numbers are 1-based, the header being line 1."""

    path: str
    month: str
    lines: dict[str, int]  # kind of defect -> line
    quarantined_lines: tuple[int, ...]  # cannot be typed
    flagged_lines: tuple[int, ...]  # typed, but break a rule (staging flags them)
    good_lines: tuple[int, ...]


@dataclass(frozen=True)
class InvoiceMismatch:
    invoice_id: str
    vendor_name: str
    billing_account_id: str
    month: str
    currency: str
    billed: Decimal  # rounded sum of BilledCost
    invoiced: Decimal
    delta: Decimal  # invoiced - billed


@dataclass(frozen=True)
class AccountMonth:
    provider: str
    billing_account_id: str
    month: str
    currency: str
    invoice_id: str
    billed_cost: Decimal  # exact sum over the (last, full) delivery
    effective_cost: Decimal
    rows: int


@dataclass
class GenerateReport:
    landing: Path
    files: list[FileInfo] = field(default_factory=list)
    account_months: list[AccountMonth] = field(default_factory=list)
    invoice_mismatch: InvoiceMismatch | None = None
    bad_rows: BadRows | None = None

    @property
    def billing_rows(self) -> int:
        """Billing rows written, the `inject_errors` file excluded."""
        bad = self.bad_rows.path if self.bad_rows else None
        return sum(f.rows for f in self.files if f.kind == "billing" and f.path != bad)

    def by_kind(self, kind: str) -> list[FileInfo]:
        return [f for f in self.files if f.kind == kind]

    def file(self, path: str) -> FileInfo:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(path)


# --------------------------------------------------------------------------------------------
# Catalog: accounts, sub-accounts, service templates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sub:
    id: str
    name: str
    role: str  # apps | shared-platform | shared-network | data-platform
    weight: float  # share of the account's resources
    apps: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class _Tmpl:
    key: str
    roles: tuple[str, ...]
    weight: float
    category: str
    subcategory: str
    service: str
    sku: str
    meter: str
    rtype: str
    unit: str
    price: float  # list unit price in USD
    qty: float  # mean pricing quantity per resource and day
    rid: str  # resource id prefix; {region} {sub} {rg} {label} are filled, a hex id appended
    short: str  # for ResourceName
    zonal: bool = False
    seasonal: float = 0.2  # weekday/weekend swing
    pricing_category: str = "Standard"
    description: str = ""
    details: str | None = None  # SkuPriceDetails (JSON)
    code: str = ""  # x_ServiceCode / x_ServiceId


@dataclass(frozen=True)
class _Commitment:
    id: str
    name: str
    category: str  # Spend | Usage
    type: str
    unit: str  # currency code (Spend) or Hours (Usage)
    owner: int  # sub-account index
    tmpl: str
    region: int
    cover: float  # share of the account's usage rows that are covered rows
    rate_bp: int  # amortized hourly rate as basis points of the contracted unit price
    sub_weights: tuple[float, ...]


@dataclass(frozen=True)
class _Account:
    key: str
    provider: str
    id: str
    name: str
    currency: str
    issuer: str
    account_type: str
    sub_type: str
    subs: tuple[_Sub, ...]
    regions: tuple[tuple[str, str, float], ...]  # id, name, weight
    az_fmt: str  # {region} {letter} {num}
    price_factor: float  # list prices relative to USD
    discount_bp: int  # negotiated discount
    tag_keys: tuple[tuple[str, float], ...]
    lowercase_tags: bool
    weight: float  # share of all billing rows
    templates: tuple[_Tmpl, ...]
    invoice_fmt: str  # {yyyy} {yy} {mm}
    invoice_day: int
    usage_frequency: str = "Usage-Based"
    tax_bp: int = 0  # tax in basis points of the billed cost
    tax_name: str = ""
    credit: tuple[int, int, str, str] | None = None  # sub, basis points, description, service
    adjustment: tuple[int, int, str] | None = None  # sub, amount in minor units, description
    null_contracted_on_credit_tax: bool = False
    commitment: _Commitment | None = None
    extras: tuple[str, ...] = ()  # x_ columns this provider exports


# fmt: off
def _t(key: str, roles: str, weight: float, cat: str, subcat: str, service: str, sku: str,
       meter: str, rtype: str, unit: str, price: float, qty: float, rid: str, short: str,
       **kw: Any) -> _Tmpl:
    return _Tmpl(key, tuple(roles.split()), weight, cat, subcat, service, sku, meter, rtype, unit,
                 price, qty, rid, short, **kw)


_AWS_TEMPLATES = (
    _t("ec2", "apps shared-platform data-platform", 5, "Compute", "Virtual Machines",
       "Amazon EC2", "8QZ7H4M2XK3JQ9T5", "Compute Usage", "Instance", "Hours", 0.1632, 48,
       "arn:aws:ec2:{region}:{sub}:instance/i-0", "vm", zonal=True, seasonal=0.15,
       description="$0.1632 per On Demand Linux m7g.xlarge Instance Hour",
       details='{"InstanceType":"m7g.xlarge","OperatingSystem":"Linux","Tenancy":"Shared"}',
       code="AmazonEC2"),
    _t("spot", "shared-platform data-platform", 1.5, "Compute", "Virtual Machines", "Amazon EC2",
       "5RT3W9Q2ZP8N7KD4", "Compute Usage", "Instance", "Hours", 0.1428, 72,
       "arn:aws:ec2:{region}:{sub}:instance/i-0", "spot", zonal=True, seasonal=0.3,
       pricing_category="Dynamic", description="Linux c7i.2xlarge Spot Instance-hour",
       details='{"InstanceType":"c7i.2xlarge","OperatingSystem":"Linux","Tenancy":"Shared"}',
       code="AmazonEC2"),
    _t("ebs", "apps shared-platform data-platform", 3, "Storage", "Block Storage",
       "Amazon Elastic Block Store", "JN7Y6T5R4E3W2Q1A", "Storage", "Volume", "GB-Mo", 0.08,
       40, "arn:aws:ec2:{region}:{sub}:volume/vol-0", "vol", zonal=True, seasonal=0.0,
       description="$0.08 per GB-month of General Purpose (gp3) provisioned storage",
       code="AmazonEC2"),
    _t("s3", "apps data-platform", 3, "Storage", "Object Storage", "Amazon S3",
       "WP9NQ2M5V8C4X7Z3", "Storage", "Bucket", "GB-Mo", 0.023, 220,
       "arn:aws:s3:::acme-{label}-", "bucket", seasonal=0.0,
       description="$0.023 per GB - first 50 TB / month of storage used", code="AmazonS3"),
    _t("rds", "apps", 2.5, "Databases", "Relational Databases", "Amazon RDS",
       "HB4K8M2N6P9R3T7V", "Database Instance", "DB Instance", "Hours", 0.225, 24,
       "arn:aws:rds:{region}:{sub}:db:{label}-", "db", zonal=True, seasonal=0.0,
       description="RDS db.r6g.large Multi-AZ PostgreSQL instance hour",
       details='{"InstanceType":"db.r6g.large","DatabaseEngine":"PostgreSQL"}',
       code="AmazonRDS"),
    _t("dynamodb", "apps", 1.5, "Databases", "NoSQL Databases", "Amazon DynamoDB",
       "DY5N4M3O2D1B9K8Q", "Request", "Table", "1M Read Request Units", 0.25, 18,
       "arn:aws:dynamodb:{region}:{sub}:table/{label}-", "table", seasonal=0.3,
       description="$0.25 per million read request units", code="AmazonDynamoDB"),
    _t("lambda", "apps", 1.5, "Compute", "Serverless Compute", "AWS Lambda",
       "LM3B4D5A6G7B8S9C", "Compute", "Function", "GB-Seconds", 0.0000166667, 190_000,
       "arn:aws:lambda:{region}:{sub}:function:{label}-", "fn", seasonal=0.35,
       description="AWS Lambda - Total Compute (Arm)", code="AWSLambda"),
    _t("elasticache", "apps", 1, "Databases", "Caching", "Amazon ElastiCache",
       "EC4A5C6H7E8R9S1T", "Cache Instance", "Cache Node", "Hours", 0.156, 24,
       "arn:aws:elasticache:{region}:{sub}:cluster:{label}-", "cache", zonal=True,
       seasonal=0.0, description="cache.r7g.large node hour", code="AmazonElastiCache"),
    _t("cloudwatch", "apps shared-platform", 1, "Management and Governance", "Observability",
       "Amazon CloudWatch", "CW2L3O4G5S6I7N8G", "Logs", "Log Group", "GB", 0.50, 12,
       "arn:aws:logs:{region}:{sub}:log-group:/acme/{label}/", "logs", seasonal=0.25,
       description="$0.50 per GB of custom logs ingested", code="AmazonCloudWatch"),
    _t("eks", "shared-platform", 1, "Compute", "Containers", "Amazon EKS",
       "EK8S7C6L5U4S3T2R", "Cluster", "Cluster", "Hours", 0.10, 24,
       "arn:aws:eks:{region}:{sub}:cluster/platform-", "eks", seasonal=0.0,
       description="Amazon EKS cluster usage", code="AmazonEKS"),
    _t("nat", "shared-network", 2, "Networking", "Network Connectivity", "Amazon VPC",
       "NA7T6G5W4Y3P2R1C", "Data Processed", "NAT Gateway", "GB", 0.045, 900,
       "arn:aws:ec2:{region}:{sub}:natgateway/nat-0", "nat", seasonal=0.3,
       description="$0.045 per GB Data Processed by NAT Gateways", code="AmazonVPC"),
    _t("transfer", "shared-network apps", 2, "Networking", "Network Connectivity",
       "AWS Data Transfer", "DT9O8U7T6B5O4U3N", "Data Transfer", "Data Transfer", "GB", 0.09,
       450, "arn:aws:ec2:{region}:{sub}:transfer/dt-", "egress", seasonal=0.35,
       description="$0.090 per GB - first 10 TB / month data transfer out beyond the global "
       "free tier, Internet", code="AWSDataTransfer"),
    _t("cloudfront", "shared-network", 1.5, "Networking", "Content Delivery",
       "Amazon CloudFront", "CF3D4N5E6D7G8E9S", "Data Transfer", "Distribution", "GB", 0.085,
       700, "arn:aws:cloudfront::{sub}:distribution/E", "cdn", seasonal=0.4,
       description="$0.085 per GB - first 10 TB / month data transfer out (United States)",
       code="AmazonCloudFront"),
    _t("route53", "shared-network", 0.5, "Networking", "Network Routing", "Amazon Route 53",
       "R53Q2U3E4R5I6E7S", "DNS Query", "Hosted Zone", "1M Queries", 0.40, 30,
       "arn:aws:route53:::hostedzone/Z", "dns", seasonal=0.3,
       description="$0.40 per 1,000,000 queries for the first 1 Billion queries",
       code="AmazonRoute53"),
    _t("redshift", "data-platform", 2, "Databases", "Data Warehouses", "Amazon Redshift",
       "RS2H3I4F5T6R7A8X", "Compute", "Cluster Node", "Hours", 1.086, 48,
       "arn:aws:redshift:{region}:{sub}:cluster:dwh-", "dwh", seasonal=0.0,
       description="Redshift ra3.xlplus node hour", code="AmazonRedshift"),
    _t("glue", "data-platform", 1.5, "Analytics", "Data Processing", "AWS Glue",
       "GL5U6E7E8T9L1J2B", "ETL Job", "Job", "DPU-Hours", 0.44, 36,
       "arn:aws:glue:{region}:{sub}:job/etl-", "etl", seasonal=0.5,
       description="$0.44 per DPU-Hour for each Apache Spark or Spark Streaming job",
       code="AWSGlue"),
    _t("sagemaker", "data-platform apps", 1, "AI and Machine Learning", "Machine Learning",
       "Amazon SageMaker", "SM7L8G9P1U2H3R4S", "Training", "Training Job", "Hours", 1.408, 10,
       "arn:aws:sagemaker:{region}:{sub}:training-job/{label}-", "ml", seasonal=0.5,
       description="ml.g5.xlarge training instance hour", code="AmazonSageMaker"),
    _t("bedrock", "apps", 0.8, "AI and Machine Learning", "Generative AI", "Amazon Bedrock",
       "BR4O5C6K7O8U9T1P", "Output Tokens", "Model", "1K Output Tokens", 0.015, 1600,
       "arn:aws:bedrock:{region}:{sub}:inference-profile/{label}-", "llm", seasonal=0.4,
       description="Claude output tokens (per 1K)", code="AmazonBedrock"),
)

_AZ_RID = "/subscriptions/{sub}/resourceGroups/{rg}/providers/"
_AZURE_TEMPLATES = (
    _t("vm", "apps shared-platform", 5, "Compute", "Virtual Machines", "Virtual Machines",
       "DZH318Z0BQ4L", "D4s v5", "Virtual machine", "Hours", 0.192, 48,
       _AZ_RID + "Microsoft.Compute/virtualMachines/vm-{label}-", "vm", zonal=True,
       seasonal=0.15, description="D4s v5 Linux virtual machine hours",
       details='{"ArmSkuName":"Standard_D4s_v5","OperatingSystem":"Linux"}',
       code="Microsoft.Compute"),
    _t("disk", "apps shared-platform", 2.5, "Storage", "Block Storage", "Storage",
       "DZH318Z0BP04", "P20 LRS Disk", "Disk", "1/Month", 73.22, 0.0333333,
       _AZ_RID + "Microsoft.Compute/disks/disk-{label}-", "disk", zonal=True, seasonal=0.0,
       description="Premium SSD Managed Disks - P20 LRS", code="Microsoft.Compute"),
    _t("blob", "apps shared-platform", 2, "Storage", "Object Storage", "Storage",
       "DZH318Z0BNXM", "Hot LRS Data Stored", "Storage account", "GB-Mo", 0.0184, 380,
       _AZ_RID + "Microsoft.Storage/storageAccounts/st{label}", "st", seasonal=0.0,
       description="Blob Storage Hot LRS data stored", code="Microsoft.Storage"),
    _t("sql", "apps", 2, "Databases", "Relational Databases", "SQL Database",
       "DZH318Z0BQPS", "vCore", "SQL database", "Hours", 0.5044, 32,
       _AZ_RID + "Microsoft.Sql/servers/sql-{label}/databases/db-", "sqldb", seasonal=0.0,
       description="SQL Database General Purpose Gen5 vCore hours", code="Microsoft.Sql"),
    _t("cosmos", "apps", 1.5, "Databases", "NoSQL Databases", "Azure Cosmos DB",
       "DZH318Z0BR7X", "100 RU/s", "Azure Cosmos DB account", "100 RU/s Hours", 0.008, 960,
       _AZ_RID + "Microsoft.DocumentDB/databaseAccounts/cosmos-{label}-", "cosmos",
       seasonal=0.2, description="Azure Cosmos DB provisioned throughput (100 RU/s hours)",
       code="Microsoft.DocumentDB"),
    _t("aks", "shared-platform", 1, "Compute", "Containers", "Azure Kubernetes Service",
       "DZH318Z0C6KD", "Standard Uptime SLA", "Managed cluster", "Hours", 0.10, 24,
       _AZ_RID + "Microsoft.ContainerService/managedClusters/aks-platform-", "aks",
       seasonal=0.0, description="AKS Standard tier cluster management",
       code="Microsoft.ContainerService"),
    _t("openai", "apps", 1.2, "AI and Machine Learning", "Generative AI", "Azure OpenAI Service",
       "DZH318Z0D2MQ", "gpt-4o Output Tokens", "Cognitive Services account", "1K Tokens",
       0.0100, 2400, _AZ_RID + "Microsoft.CognitiveServices/accounts/oai-{label}-", "oai",
       seasonal=0.4, description="Azure OpenAI gpt-4o output tokens (per 1K)",
       code="Microsoft.CognitiveServices"),
    _t("logs", "apps shared-platform", 1, "Management and Governance", "Observability",
       "Log Analytics", "DZH318Z0BJ2S", "Analytics Logs Data Ingestion", "Workspace", "GB",
       2.30, 9, _AZ_RID + "Microsoft.OperationalInsights/workspaces/log-{label}-", "log",
       seasonal=0.25, description="Log Analytics pay-as-you-go data ingestion",
       code="Microsoft.OperationalInsights"),
    _t("bandwidth", "shared-platform", 1.2, "Networking", "Network Connectivity", "Bandwidth",
       "DZH318Z0BNVX", "Standard Data Transfer Out", "Public IP address", "GB", 0.087, 500,
       _AZ_RID + "Microsoft.Network/publicIPAddresses/pip-{label}-", "pip", seasonal=0.35,
       description="Rtn Preference: MGN, data transfer out, Zone 1", code="Microsoft.Network"),
)

_GCP_TEMPLATES = (
    _t("gce", "apps shared-network", 5, "Compute", "Virtual Machines", "Compute Engine",
       "CP-COMPUTEENGINE-N2-STD-8", "N2 Instance Core running in Tokyo", "Instance", "Hours",
       0.3885, 48, "//compute.googleapis.com/projects/{sub}/zones/{region}-a/instances/{label}-",
       "gce", zonal=True, seasonal=0.2, description="N2 Instance Core running in Tokyo",
       details='{"machine_type":"n2-standard-8","commitment":"none"}', code="6F81-5844-456A"),
    _t("gcs", "apps", 2, "Storage", "Object Storage", "Cloud Storage",
       "CP-GCS-STANDARD-ASIA-NE1", "Standard Storage Tokyo", "Bucket", "GiB-Mo", 0.023, 300,
       "//storage.googleapis.com/projects/{sub}/buckets/acme-{label}-", "gcs", seasonal=0.0,
       description="Standard Storage Tokyo", code="95FF-2EF5-5EA1"),
    _t("cloudsql", "apps", 2, "Databases", "Relational Databases", "Cloud SQL",
       "CP-CLOUDSQL-PG-VCPU", "Cloud SQL for PostgreSQL: vCPU in Tokyo", "Instance", "Hours",
       0.0413, 192, "//cloudsql.googleapis.com/projects/{sub}/instances/{label}-pg-", "pg",
       seasonal=0.0, description="Cloud SQL for PostgreSQL: Zonal - vCPU in Tokyo",
       code="9662-B51E-5089"),
    _t("vertex", "apps", 1.5, "AI and Machine Learning", "AI Platforms", "Vertex AI",
       "CP-VERTEX-PREDICT-N1-4", "Online prediction node hours", "Endpoint", "Hours", 0.2185,
       36, "//aiplatform.googleapis.com/projects/{sub}/locations/{region}/endpoints/{label}-",
       "vtx", seasonal=0.3, description="Vertex AI: Online/Batch Prediction n1-standard-4",
       code="C7E2-9256-1C43"),
    _t("bigquery", "apps", 1.5, "Databases", "Data Warehouses", "BigQuery",
       "CP-BQ-ANALYSIS-TOKYO", "Analysis (on-demand)", "Dataset", "TiB", 7.50, 0.9,
       "//bigquery.googleapis.com/projects/{sub}/datasets/{label}_", "bq", seasonal=0.4,
       description="Analysis (on-demand) in Tokyo", code="24E6-581D-38E5"),
    _t("gke", "apps shared-network", 1, "Compute", "Containers", "Kubernetes Engine",
       "CP-GKE-CLUSTER-MGMT", "Regional Kubernetes Clusters", "Cluster", "Hours", 0.10, 24,
       "//container.googleapis.com/projects/{sub}/locations/{region}/clusters/{label}-", "gke",
       seasonal=0.0, description="Regional Kubernetes Clusters", code="CCD8-9BF1-090E"),
    _t("cdn", "shared-network", 2, "Networking", "Content Delivery", "Cloud CDN",
       "CP-CDN-EGRESS-APAC", "Cache egress to Asia Pacific", "Backend service", "GiB", 0.09,
       600, "//compute.googleapis.com/projects/{sub}/global/backendServices/cdn-", "cdn",
       seasonal=0.4, description="Networking Cloud CDN Traffic Cache Data Transfer to Asia "
       "Pacific", code="E505-1604-58F8"),
    _t("egress", "shared-network", 2, "Networking", "Network Connectivity", "Networking",
       "CP-NET-EGRESS-INTERNET", "Premium egress Japan to Japan", "Network", "GiB", 0.12, 400,
       "//compute.googleapis.com/projects/{sub}/global/networks/vpc-", "net", seasonal=0.35,
       description="Network Internet Data Transfer Out from Tokyo to Japan",
       code="E505-1604-58F8"),
    _t("lb", "shared-network", 1, "Networking", "Network Infrastructure",
       "Cloud Load Balancing", "CP-LB-DATA-PROCESSED", "Inbound data processed", "Forwarding rule",
       "GiB", 0.008, 1500,
       "//compute.googleapis.com/projects/{sub}/regions/{region}/forwardingRules/lb-", "lb",
       seasonal=0.35, description="Network Load Balancing: Data Processing Charge",
       code="E505-1604-58F8"),
)

_OCI_TEMPLATES = (
    _t("adb", "apps", 3, "Databases", "Relational Databases", "Autonomous Database",
       "B95701", "ECPU", "AutonomousDatabase", "ECPU Hours", 0.336, 48,
       "ocid1.autonomousdatabase.oc1.iad.", "adb", seasonal=0.0,
       description="Oracle Autonomous Transaction Processing - ECPU"),
    _t("e5", "apps", 3, "Compute", "Virtual Machines", "Compute", "B97384", "OCPU",
       "Instance", "OCPU Hours", 0.03, 192, "ocid1.instance.oc1.iad.", "vm", zonal=True,
       seasonal=0.15, description="Compute - Standard - E5 - OCPU"),
    _t("objstore", "apps", 1.5, "Storage", "Object Storage", "Object Storage", "B91628",
       "Storage", "Bucket", "GB-Mo", 0.0255, 500, "ocid1.bucket.oc1.iad.", "bkt", seasonal=0.0,
       description="Object Storage - Storage"),
)

_AWS_APPS = (
    ("checkout", 0.17), ("payments", 0.13), ("catalog", 0.11), ("identity", 0.08),
    ("recommendations", 0.08), ("mobile-api", 0.12), ("ci-cd", 0.13), ("observability", 0.10),
    ("search", 0.08),
)

ACCOUNTS: tuple[_Account, ...] = (
    _Account(
        key="aws", provider="AWS", id="aws-payer-001", name="Acme Corp (AWS payer)",
        currency="USD", issuer="Amazon Web Services, Inc.", account_type="Management Account",
        sub_type="Member Account",
        subs=(
            _Sub("111111111111", "acme-prod-apps", "apps", 0.50, _AWS_APPS),
            _Sub("222222222222", "acme-shared-platform", "shared-platform", 0.22),
            _Sub("333333333333", "acme-shared-network", "shared-network", 0.10),
            _Sub("444444444444", "acme-data-platform", "data-platform", 0.18),
        ),
        regions=(("us-east-1", "US East (N. Virginia)", 0.7),
                 ("us-west-2", "US West (Oregon)", 0.3)),
        az_fmt="{region}{letter}", price_factor=1.0, discount_bp=600,
        tag_keys=(("application", 0.45), ("Application", 0.25), ("app", 0.15), ("service", 0.15)),
        lowercase_tags=False, weight=0.40, templates=_AWS_TEMPLATES,
        invoice_fmt="8{yy}{mm}001734", invoice_day=2,
        tax_bp=90, tax_name="US sales tax",
        credit=(1, 40, "Migration Acceleration Program credit", "Amazon EC2"),
        adjustment=(1, -2_417, "Billing adjustment - prior period rounding"),
        commitment=_Commitment(
            id="arn:aws:savingsplans::222222222222:savingsplan/5c8d3a41-7e2f-4b9a-9d1e-0f6a2b3c4d5e",
            name="Compute Savings Plan 3yr No Upfront", category="Spend",
            type="Compute Savings Plan", unit="USD", owner=1, tmpl="ec2", region=0, cover=0.12,
            rate_bp=6200, sub_weights=(0.6, 0.4, 0.0, 0.0)),
        extras=("x_ServiceCode", "x_UsageType"),
    ),
    _Account(
        key="aws-eu", provider="AWS", id="aws-payer-eu-002", name="Acme Europe (AWS payer)",
        currency="EUR", issuer="Amazon Web Services EMEA SARL", account_type="Management Account",
        sub_type="Member Account",
        subs=(
            _Sub("555555555555", "acme-eu-prod-apps", "apps", 1.0,
                 (("checkout", 0.25), ("payments", 0.2), ("catalog", 0.15), ("identity", 0.15),
                  ("mobile-api", 0.25))),
        ),
        regions=(("eu-central-1", "Europe (Frankfurt)", 0.65),
                 ("eu-west-1", "Europe (Ireland)", 0.35)),
        az_fmt="{region}{letter}", price_factor=0.86, discount_bp=600,
        tag_keys=(("application", 0.4), ("Application", 0.3), ("App", 0.3)),
        lowercase_tags=False, weight=0.14, templates=_AWS_TEMPLATES,
        invoice_fmt="EUINDE{yy}-{mm}00218", invoice_day=2,
        credit=(0, 15, "AWS promotional credit", "Amazon EC2"),
        extras=("x_ServiceCode",),
    ),
    _Account(
        key="azure", provider="Microsoft", id="azure-ba-7788", name="Acme Corp EA",
        currency="EUR", issuer="Microsoft Ireland Operations Limited",
        account_type="Billing Account", sub_type="Subscription",
        subs=(
            _Sub("sub-apps-01", "Acme Apps Production", "apps", 0.62,
                 (("recommendations", 0.22), ("identity", 0.18), ("observability", 0.15),
                  ("ci-cd", 0.15), ("mobile-api", 0.15), ("data-platform", 0.15))),
            _Sub("sub-platform-01", "Acme Platform", "shared-platform", 0.38),
        ),
        regions=(("westeurope", "West Europe", 0.6), ("northeurope", "North Europe", 0.25),
                 ("germanywestcentral", "Germany West Central", 0.15)),
        az_fmt="{num}", price_factor=0.93, discount_bp=800,
        tag_keys=(("app", 0.45), ("App", 0.3), ("application", 0.25)),
        lowercase_tags=False, weight=0.22, templates=_AZURE_TEMPLATES,
        invoice_fmt="G0{yy}{mm}7788A", invoice_day=9,
        credit=(1, 25, "Azure service credit (SLA)", "Virtual Machines"),
        adjustment=(1, 3, "Rounding adjustment"),
        commitment=_Commitment(
            id="/providers/Microsoft.Capacity/reservationOrders/4b1e7f3a-2c9d-4e8b-a1f0-7788aa01"
            "/reservations/d4sv5-weu-01",
            name="D4s v5 West Europe 1 year", category="Usage", type="Reservation", unit="Hours",
            owner=1, tmpl="vm", region=0, cover=0.10, rate_bp=6400, sub_weights=(0.55, 0.45)),
        extras=("x_ResourceGroup", "x_CostCenter"),
    ),
    _Account(
        key="gcp", provider="Google Cloud", id="gcp-0A1B2C-3D4E5F", name="Acme Japan",
        currency="JPY", issuer="Google Cloud Japan G.K.", account_type="Billing Account",
        sub_type="Project",
        subs=(
            _Sub("proj-search-jp", "Search JP", "apps", 0.68,
                 (("search", 0.8), ("recommendations", 0.2))),
            _Sub("proj-network-jp", "Network JP", "shared-network", 0.32),
        ),
        regions=(("asia-northeast1", "Tokyo", 0.75), ("asia-northeast2", "Osaka", 0.25)),
        az_fmt="{region}-{letter}", price_factor=150.0, discount_bp=500,
        tag_keys=(("app", 0.5), ("application", 0.3), ("service", 0.2)),
        lowercase_tags=True, weight=0.18, templates=_GCP_TEMPLATES,
        invoice_fmt="3{yy}{mm}81944", invoice_day=3,
        credit=(0, 50, "Sustained use discount", "Compute Engine"),
        adjustment=(1, -1_200, "Adjustment: network egress overcharge"),
        null_contracted_on_credit_tax=True,
        extras=("x_ServiceId",),
    ),
    _Account(
        key="oci", provider="Oracle", id="ocid1.tenancy.oc1..aaaaaaaaacme4242", name="acme-oci",
        currency="USD", issuer="Oracle America, Inc.", account_type="Tenancy",
        sub_type="Compartment",
        subs=(
            _Sub("ocid1.compartment.oc1..aaaaaaaacatalog01", "catalog-prod", "apps", 1.0,
                 (("catalog", 0.7), ("mobile-api", 0.3))),
        ),
        regions=(("us-ashburn-1", "US East (Ashburn)", 1.0),),
        az_fmt="AD-{num}", price_factor=1.0, discount_bp=0,
        tag_keys=(("App", 0.6), ("application", 0.4)),
        lowercase_tags=False, weight=0.04, templates=_OCI_TEMPLATES,
        invoice_fmt="OCI-{yyyy}{mm}-4242", invoice_day=5,
        usage_frequency="Usage-based",  # real-world quirk: wrong case
        tax_bp=80, tax_name="US sales tax", null_contracted_on_credit_tax=True,
    ),
)
# fmt: on
ACCOUNT_BY_KEY = {a.key: a for a in ACCOUNTS}


# --------------------------------------------------------------------------------------------
# Months
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Month:
    idx: int
    year: int
    month: int
    start: int  # epoch seconds, 00:00 UTC on the first
    end: int  # first of the next month
    days: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def date(self, day: int) -> dt.date:
        return dt.date(self.year, self.month, day)


def _month(year: int, month: int, idx: int) -> _Month:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    start = calendar.timegm((year, month, 1, 0, 0, 0))
    end = calendar.timegm((ny, nm, 1, 0, 0, 0))
    return _Month(idx, year, month, start, end, (end - start) // 86400)


def _months(start_month: str, months: int) -> list[_Month]:
    y, m = (int(p) for p in start_month.split("-"))
    if not 1 <= m <= 12 or months < 1:
        raise ValueError(f"bad start_month/months: {start_month!r}, {months}")
    out = []
    for i in range(months):
        out.append(_month(y, m, i))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _prev_month(m: _Month) -> _Month:
    y, mm = (m.year - 1, 12) if m.month == 1 else (m.year, m.month - 1)
    return _month(y, mm, -1)


def _invoice_id(acct: _Account, m: _Month) -> str:
    return acct.invoice_fmt.format(
        yyyy=f"{m.year:04d}", yy=f"{m.year % 100:02d}", mm=f"{m.month:02d}"
    )


# --------------------------------------------------------------------------------------------
# Exact money helpers
# --------------------------------------------------------------------------------------------


def _units(value: float | str | Decimal) -> int:
    """A price given in code -> int units of 1e-10 (exact for the literals above)."""
    return int((Decimal(str(value)) * SCALE).to_integral_value(ROUND_HALF_UP))


def _units_str(u: int, trim: bool = True) -> str:
    sign = "-" if u < 0 else ""
    q, r = divmod(abs(int(u)), SCALE)
    if trim:
        return f"{sign}{q}" if r == 0 else f"{sign}{q}.{r:010d}".rstrip("0")
    return f"{sign}{q}.{r:010d}"


def _units_dec(u: int) -> Decimal:
    return Decimal(int(u)).scaleb(-10)


def _exact_sum(v: np.ndarray) -> int:
    """Exact integer sum of an int64 array (no overflow whatever its length)."""
    if v.size == 0:
        return 0
    v = v.astype(np.int64, copy=False)
    hi = v >> 24
    lo = v & ((1 << 24) - 1)
    return (int(hi.sum()) << 24) + int(lo.sum())


def _dec(v: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """int64 units of 1e-10 -> decimal128(38,10) array (zero arithmetic, exact)."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    buf = np.empty((v.size, 2), dtype=np.int64)
    buf[:, 0] = v
    buf[:, 1] = v >> 63
    bitmap = None
    nulls = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid.astype(bool), bitorder="little"))
        nulls = int((~valid).sum())
    return pa.Array.from_buffers(MONEY_TYPE, v.size, [bitmap, pa.py_buffer(buf)], null_count=nulls)


def _round_minor(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2)), ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Columns of a batch: constant, keyed (pool-level values + per-row index) or per-row
# --------------------------------------------------------------------------------------------


def _kind(name: str) -> str:
    col = FOCUS_BY_NAME.get(name)
    if col is None:
        return "text"
    return {MONEY: "money", TS: "ts"}.get(col.sql_type, "text")


@dataclass(frozen=True)
class _Col:
    data: Any  # constant (str | int units | int epoch seconds | None) or pa.Array
    key: np.ndarray | None = None  # keyed: row -> index into data

    @property
    def is_array(self) -> bool:
        return isinstance(self.data, pa.Array)


_NULL = _Col(None)


@dataclass
class _Batch:
    n: int
    cols: dict[str, _Col]


def _small_batch(base: dict[str, Any], rows: list[dict[str, Any]]) -> _Batch:
    """A few rows given as Python values (money: int units, ts: epoch seconds)."""
    names = dict.fromkeys(base)
    for r in rows:
        names.update(dict.fromkeys(r))
    cols: dict[str, _Col] = {}
    for name in names:
        if all(name not in r for r in rows):
            cols[name] = _Col(base[name])
            continue
        values = [r.get(name, base.get(name)) for r in rows]
        kind = _kind(name)
        if kind == "money":
            valid = np.array([v is not None for v in values])
            ints = np.array([0 if v is None else int(v) for v in values], dtype=np.int64)
            cols[name] = _Col(_dec(ints, valid))
        elif kind == "ts":
            cols[name] = _Col(pa.array(values, pa.timestamp("s", tz="UTC")))
        else:
            cols[name] = _Col(pa.array(values, pa.string()))
    return _Batch(len(rows), cols)


# --------------------------------------------------------------------------------------------
# Sinks: CSV (pre-formatted lines, quoting and null literal under our control) and Parquet
# --------------------------------------------------------------------------------------------


def _csv_escape(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_text(arr: pa.Array) -> pa.Array:
    arr = arr.cast(pa.string())
    need = pc.match_substring_regex(arr, '[",\r\n]')
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


def _dec_units(arr: pa.Array) -> np.ndarray:
    """decimal128(38,10) array -> int64 units (the low words; our values fit in int64)."""
    if arr.type != MONEY_TYPE:
        arr = arr.cast(MONEY_TYPE)
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    return words[2 * arr.offset : 2 * (arr.offset + len(arr)) : 2]


def _money_text(arr: pa.Array, trim: bool) -> pa.Array:
    """Exact plain decimal strings (pyarrow's own decimal->string cast may use exponents)."""
    v = _dec_units(arr)
    neg = v < 0
    a = np.abs(v)
    ip = pc.cast(pa.array(a // SCALE), pa.string())
    fp = pc.utf8_lpad(pc.cast(pa.array(a % SCALE), pa.string()), width=10, padding="0")
    if trim:
        s = pc.utf8_rtrim(
            pc.binary_join_element_wise(ip, pc.utf8_rtrim(fp, characters="0"), "."), characters="."
        )
    else:
        s = pc.binary_join_element_wise(ip, fp, ".")
    if neg.any():
        s = pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", s, ""), s)
    if arr.null_count:
        s = pc.if_else(pc.is_valid(arr), s, pa.scalar(None, pa.string()))
    return s


_TS_SUFFIX = {"Z": "Z", "space": "", "offset": "+00:00"}


def _ts_str(secs: int, style: str) -> str:
    text = dt.datetime.fromtimestamp(int(secs), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if style == "space":
        text = text.replace("T", " ")
    return text + _TS_SUFFIX[style]


def _ts_text(arr: pa.Array, style: str) -> pa.Array:
    secs = arr.cast(pa.timestamp("s", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    text = np.datetime_as_string(secs.astype("datetime64[s]"), unit="s")
    if style == "space":
        text = np.char.replace(text, "T", " ")
    out = pa.array(text.astype(object) + _TS_SUFFIX[style], pa.string())
    if arr.null_count:
        out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    return out


@dataclass(frozen=True)
class _CsvStyle:
    null: str = ""  # the null literal ("" or "NULL")
    ts: str = "Z"  # Z | space | offset
    trim_money: bool = True


class _CsvSink:
    def __init__(self, path: Path, columns: list[str], style: _CsvStyle, gz: bool) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.columns = columns
        self.style = style
        self.rows = 0
        self._raw = open(self.tmp, "wb")  # closed in close()
        self._out: Any = self._raw
        if gz:
            self._out = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=GZIP_LEVEL, mtime=0
            )
        self._out.write((",".join(columns) + "\n").encode())
        # formatted pool-level runs; the value keeps its source arrays alive (ids stay unique)
        self._runs: dict[tuple[int, ...], tuple[list[Any], pa.Array]] = {}

    def _const(self, name: str, value: Any) -> str:
        if value is None:
            return self.style.null
        kind = _kind(name)
        if kind == "money":
            return _units_str(value, self.style.trim_money)
        if kind == "ts":
            return _ts_str(value, self.style.ts)
        return _csv_escape(str(value))

    def _format(self, name: str, arr: pa.Array) -> pa.Array:
        kind = _kind(name)
        if kind == "money":
            return _money_text(arr, self.style.trim_money)
        if kind == "ts":
            return _ts_text(arr, self.style.ts)
        return _csv_text(arr)

    def write(self, batch: _Batch) -> None:
        n = batch.n
        if n == 0:
            return
        null = self.style.null
        pieces: list[tuple[str, Any, Any]] = []  # (level, value, key)
        run: list[tuple[str, _Col]] = []
        run_key: list[Any] = [None]
        memo: dict[tuple[int, str], pa.Array] = {}

        def flush() -> None:
            if not run:
                return
            if run_key[0] is None:
                pieces.append(("const", ",".join(self._const(nm, c.data) for nm, c in run), None))
            else:
                cache_key = tuple(id(c.data) for _, c in run)
                hit = self._runs.get(cache_key)
                if hit is None:
                    parts = [
                        self._format(nm, c.data)
                        if c.is_array
                        else pa.scalar(self._const(nm, c.data))
                        for nm, c in run
                    ]
                    joined = pc.binary_join_element_wise(
                        *parts, ",", null_handling="replace", null_replacement=null
                    )
                    if len(self._runs) > 256:
                        self._runs.clear()
                    hit = self._runs[cache_key] = ([c.data for _, c in run], joined)
                pieces.append(("keyed", hit[1], run_key[0]))
            run.clear()
            run_key[0] = None

        for name in self.columns:
            if name == "Id":
                flush()
                ids = pa.array(np.arange(self.rows + 1, self.rows + n + 1, dtype=np.int64))
                pieces.append(("row", ids.cast(pa.string()), None))
                continue
            col = batch.cols.get(name, _NULL)
            if col.is_array and col.key is None:
                flush()
                memo_key = (id(col.data), _kind(name))
                if memo_key not in memo:
                    memo[memo_key] = self._format(name, col.data)
                pieces.append(("row", memo[memo_key], None))
            elif col.is_array:
                if run_key[0] is not None and run_key[0] is not col.key:
                    flush()
                run_key[0] = col.key
                run.append((name, col))
            else:
                run.append((name, col))
        flush()

        # the line ends with the last piece: append the newline there when it is not per row
        extra_newline = False
        level, value, key = pieces[-1]
        if level == "const":
            pieces[-1] = (level, value + "\n", key)
        elif level == "keyed":
            pieces[-1] = (level, pc.binary_join_element_wise(value, "\n", ""), key)
        else:
            extra_newline = True
        keys: dict[int, pa.Array] = {}
        values = []
        for level, value, key in pieces:
            if level == "const":
                values.append(pa.scalar(value))
            elif level == "keyed":
                if id(key) not in keys:
                    keys[id(key)] = pa.array(key)
                values.append(pc.take(value, keys[id(key)]))
            else:
                values.append(value)
        line = pc.binary_join_element_wise(
            *values, ",", null_handling="replace", null_replacement=null
        )
        if isinstance(line, pa.Scalar):
            line = pa.array([line.as_py()] * n, pa.string())
        if extra_newline:
            line = pc.binary_join_element_wise(line, "", "\n")
        offsets = np.frombuffer(
            line.buffers()[1], dtype=np.int32, count=len(line) + 1, offset=line.offset * 4
        )
        data = line.buffers()[2]
        self._out.write(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
        self.rows += n

    def close(self, publish: bool = True) -> None:
        """Finish the file; `publish=False` (after an error) deletes it instead."""
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()
        if publish:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def _arrow_type(name: str) -> pa.DataType:
    return {"money": MONEY_TYPE, "ts": TS_TYPE}.get(_kind(name), pa.string())


class _ParquetSink:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".part")
        self.columns = columns
        self.schema = pa.schema([pa.field(c, _arrow_type(c)) for c in columns])
        self.rows = 0
        self._writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")

    def write(self, batch: _Batch) -> None:
        n = batch.n
        if n == 0:
            return
        arrays = []
        keys: dict[int, pa.Array] = {}
        for f in self.schema:
            col = batch.cols.get(f.name, _NULL)
            if col.is_array:
                arr = col.data
                if col.key is not None:
                    if id(col.key) not in keys:
                        keys[id(col.key)] = pa.array(col.key)
                    arr = pc.take(arr, keys[id(col.key)])
                arrays.append(arr.cast(f.type))
            else:
                value = col.data
                if value is not None and _kind(f.name) == "money":
                    value = _units_dec(value)
                elif value is not None and _kind(f.name) == "ts":
                    value = dt.datetime.fromtimestamp(int(value), dt.UTC)
                arrays.append(pa.repeat(pa.scalar(value, f.type), n))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n

    def close(self, publish: bool = True) -> None:
        self._writer.close()
        if publish:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Resource pools
# --------------------------------------------------------------------------------------------


@dataclass
class _Pool:
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
    acct: _Account,
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
        team_name = TEAMS[app]
    else:
        team_name = ROLE_TEAM[role]
    if env == 0:
        tags["env"] = "prod"
    elif env == 1:
        tags["environment" if acct.lowercase_tags else "Environment"] = "production"
    if team == 0:
        tags["team"] = team_name
    elif team == 1:
        tags["team" if acct.lowercase_tags else "Team"] = team_name
    if cc:
        tags["cost-center"] = (
            COST_CENTERS[team_name].lower() if acct.lowercase_tags else COST_CENTERS[team_name]
        )
    return json.dumps(tags, separators=(",", ":"))


def _build_pool(
    acct: _Account,
    n: int,
    rng: np.random.Generator,
    *,
    tmpl_key: str | None = None,
    region: int | None = None,
    sub_weights: Sequence[float] | None = None,
    untagged_share: float = UNTAGGED_COST_SHARE,
) -> _Pool:
    templates = acct.templates
    n = max(int(n), 1)
    sub = _pick(rng, sub_weights or [s.weight for s in acct.subs], n)
    tmpl = np.zeros(n, dtype=np.int64)
    app = np.full(n, -1, dtype=np.int64)  # index into SERVICES, -1 for shared sub-accounts
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
        if s.role == "apps":
            names = [SERVICES.index(a) for a, _ in s.apps]
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

    t_qty = np.array([t.qty for t in templates])
    t_seasonal = np.array([t.seasonal for t in templates])
    t_list = np.array(
        [_units(Decimal(str(t.price)) * Decimal(str(acct.price_factor))) for t in templates],
        dtype=np.int64,
    )
    t_contracted = t_list * (10_000 - acct.discount_bp) // 10_000
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
    role_idx = np.array(
        [
            ("apps", "shared-platform", "shared-network", "data-platform").index(s.role)
            for s in acct.subs
        ]
    )[sub]
    tag_key = (
        ((((((app + 1) * 4 + role_idx) * n_alias + alias) * 2 + cap) * 3 + env) * 3 + team) * 2 + cc
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
        a1, ro = divmod(k, 4)
        role = ("apps", "shared-platform", "shared-network", "data-platform")[ro]
        tag_dict.append(
            _tag_json(acct, SERVICES[a1 - 1] if a1 else None, role, al, cp, e, tm, c, u)
        )
    tags = pc.take(pa.array(tag_dict, pa.string()), pa.array(inv.ravel()))

    # per (template, region, sub, app, zone) strings
    n_reg, n_sub, n_app = len(acct.regions), len(acct.subs), len(SERVICES) + 1
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
        label = SERVICES[a1 - 1] if a1 else ROLE_TEAM[s.role]
        rg = f"rg-{label}-prod"
        rid_p.append(t.rid.format(region=r[0], sub=s.id, rg=rg, label=label, svc=t.code.lower()))
        name_p.append(f"{label}-{t.short}-")
        az_l.append(
            acct.az_fmt.format(region=r[0], letter="abc"[z], num=z + 1) if t.zonal else None
        )
        rg_l.append(rg if acct.key == "azure" else None)
        cc_l.append(COST_CENTERS[TEAMS[label]] if a1 else COST_CENTERS[ROLE_TEAM[s.role]])
        skuprice_l.append(f"{t.sku}-{r[0]}")
        usage_l.append(f"{r[0].upper().replace('-', '')[:4]}-{t.meter.replace(' ', '')}")
    hexid = _hex(rng.integers(0, 2**62, n, dtype=np.int64).astype(np.uint64), 16)

    def combo_col(values: list[str | None]) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), inv)

    def tmpl_col(values: list[Any]) -> pa.Array:
        return pc.take(pa.array(values, pa.string()), pa.array(tmpl))

    t_idx_arr = pa.array(tmpl)
    cols = {
        "AvailabilityZone": combo_col(az_l),
        "ChargeDescription": tmpl_col([t.description or t.meter for t in templates]),
        "ConsumedUnit": tmpl_col([t.unit for t in templates]),
        "ContractedUnitPrice": pc.take(_dec(t_contracted), t_idx_arr),
        "ListUnitPrice": pc.take(_dec(t_list), t_idx_arr),
        "PricingCategory": tmpl_col([t.pricing_category for t in templates]),
        "PricingUnit": tmpl_col([t.unit for t in templates]),
        "RegionId": pc.take(pa.array([r[0] for r in acct.regions]), pa.array(reg)),
        "RegionName": pc.take(pa.array([r[1] for r in acct.regions]), pa.array(reg)),
        "ResourceId": pc.binary_join_element_wise(combo_col(rid_p), hexid, ""),
        "ResourceName": pc.binary_join_element_wise(
            combo_col(name_p), pc.utf8_slice_codeunits(hexid, 8, 16), ""
        ),
        "ResourceType": tmpl_col([t.rtype for t in templates]),
        "ServiceCategory": tmpl_col([t.category for t in templates]),
        "ServiceName": tmpl_col([t.service for t in templates]),
        "ServiceSubcategory": tmpl_col([t.subcategory for t in templates]),
        "SkuId": tmpl_col([t.sku for t in templates]),
        "SkuMeter": tmpl_col([t.meter for t in templates]),
        "SkuPriceDetails": tmpl_col([t.details for t in templates]),
        "SkuPriceId": combo_col(skuprice_l),
        "SubAccountId": pc.take(pa.array([s.id for s in acct.subs]), pa.array(sub)),
        "SubAccountName": pc.take(pa.array([s.name for s in acct.subs]), pa.array(sub)),
        "Tags": tags,
        "x_ServiceCode": tmpl_col([t.code for t in templates]),
        "x_ServiceId": tmpl_col([t.code for t in templates]),
        "x_UsageType": combo_col(usage_l),
        "x_ResourceGroup": combo_col(rg_l),
        "x_CostCenter": pc.if_else(
            pc.equal(pa.array(untagged), 0), combo_col(cc_l), pa.scalar(None, pa.string())
        ),
    }
    cols["PricingCurrencyContractedUnitPrice"] = cols["ContractedUnitPrice"]
    cols["PricingCurrencyListUnitPrice"] = cols["ListUnitPrice"]
    return _Pool(n, sub, tmpl, size, qty, t_seasonal[tmpl], t_list[tmpl], t_contracted[tmpl], cols)


# --------------------------------------------------------------------------------------------
# Billing segments (one provider account, one month, one delivery)
# --------------------------------------------------------------------------------------------

_WEEKDAY_FACTOR = np.array([1.0, 1.02, 1.03, 1.01, 0.97, 0.62, 0.55])  # Monday..Sunday
_MAX_PRODUCT = 4 * 10**18  # keep quantity (milli) * price (units) inside int64


@dataclass
class _Plan:
    """Row budget of one account: resources per month, commitment slots."""

    resources: dict[int, int]  # month idx -> resources (usage rows = resources * days)
    pool_size: int
    slots: int  # commitment capacity (instances), 0 when no commitment


@dataclass
class _Totals:
    billed: int = 0
    effective: int = 0
    rows: int = 0
    billed_by_sub: dict[int, int] = field(default_factory=dict)

    def add(self, billed: np.ndarray, effective: np.ndarray, sub: np.ndarray | int) -> None:
        self.billed += _exact_sum(billed)
        self.effective += _exact_sum(effective)
        self.rows += int(billed.size)
        if isinstance(sub, int):
            self.billed_by_sub[sub] = self.billed_by_sub.get(sub, 0) + _exact_sum(billed)
            return
        for s in np.unique(sub).tolist():
            part = _exact_sum(billed[sub == s])
            self.billed_by_sub[s] = self.billed_by_sub.get(s, 0) + part


class _Generator:
    def __init__(self, seed: int, rows: int, months: list[_Month]) -> None:
        self.seed = seed
        self.rows = rows
        self.months = months
        self._pools: dict[str, _Pool] = {}
        self._cpools: dict[str, _Pool] = {}
        self.plans = {a.key: self._plan(a) for a in ACCOUNTS}

    def rng(self, *parts: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *parts])

    def acct_no(self, acct: _Account) -> int:
        return ACCOUNTS.index(acct) + 1

    def _plan(self, acct: _Account) -> _Plan:
        total_w = sum(a.weight for a in ACCOUNTS)
        units = len(self.months)
        if acct.key == "gcp":
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
        return _Plan(resources, max(resources.values()), slots)

    def pool(self, acct: _Account) -> _Pool:
        if acct.key not in self._pools:
            rng = self.rng(self.acct_no(acct), 0)
            size = min(self.plans[acct.key].pool_size, POOL_CAP)
            self._pools[acct.key] = _build_pool(acct, size, rng)
        return self._pools[acct.key]

    def cpool(self, acct: _Account) -> _Pool:
        c = acct.commitment
        assert c is not None
        if acct.key not in self._cpools:
            rng = self.rng(self.acct_no(acct), 1)
            self._cpools[acct.key] = _build_pool(
                acct,
                self.plans[acct.key].slots,
                rng,
                tmpl_key=c.tmpl,
                region=c.region,
                sub_weights=c.sub_weights,
                untagged_share=0.0,
            )
        return self._cpools[acct.key]

    def base(self, acct: _Account, m: _Month) -> dict[str, Any]:
        return {
            "BillingAccountId": acct.id,
            "BillingAccountName": acct.name,
            "BillingAccountType": acct.account_type,
            "BillingCurrency": acct.currency,
            "BillingPeriodEnd": m.end,
            "BillingPeriodStart": m.start,
            "ChargeCategory": "Usage",
            "ChargeFrequency": acct.usage_frequency,
            "InvoiceId": _invoice_id(acct, m),
            "InvoiceIssuerName": acct.issuer,
            "PricingCurrency": acct.currency,
            "ProviderName": acct.provider,
            "PublisherName": acct.provider,
            "ServiceProviderName": acct.provider,
            "SubAccountType": acct.sub_type,
        }

    # --- blocks -------------------------------------------------------------------------

    def segment(
        self, acct: _Account, m: _Month, day_limit: int | None, totals: _Totals
    ) -> Iterator[_Batch]:
        """All rows of one account-month; `day_limit` gives a partial (early) delivery."""
        full = day_limit is None
        if acct.commitment:
            yield self._purchase(acct, m, totals)
        yield from self._usage(acct, m, day_limit, totals)
        if acct.commitment:
            yield from self._covered(acct, m, day_limit, totals)
        if full:
            yield from self._month_end(acct, m, totals)

    def _days(self, m: _Month) -> tuple[dict[str, _Col], np.ndarray]:
        starts = m.start + 86400 * np.arange(m.days, dtype=np.int64)
        start_arr = pa.array(starts, pa.timestamp("s", tz="UTC"))
        end_arr = pa.array(starts + 86400, pa.timestamp("s", tz="UTC"))
        return {"ChargePeriodStart": start_arr, "ChargePeriodEnd": end_arr}, starts

    def _usage(
        self, acct: _Account, m: _Month, day_limit: int | None, totals: _Totals
    ) -> Iterator[_Batch]:
        pool = self.pool(acct)
        r = self.plans[acct.key].resources[m.idx]
        total = r * m.days
        limit = total if day_limit is None else r * min(day_limit, m.days)
        day_cols, starts = self._days(m)
        weekday = (starts // 86400 + 3) % 7  # 1970-01-01 was a Thursday
        day_factor = _WEEKDAY_FACTOR[weekday]
        base = self.base(acct, m)
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
            qty_arr, cost_arr = _dec(qty), _dec(contracted)
            cols = {k: _Col(v) for k, v in base.items()}
            cols.update({k: _Col(v, res) for k, v in pool.cols.items()})
            cols.update({k: _Col(v, day) for k, v in day_cols.items()})
            cols.update(
                {
                    "BilledCost": _Col(cost_arr),
                    "ConsumedQuantity": _Col(qty_arr),
                    "ContractedCost": _Col(cost_arr),
                    "EffectiveCost": _Col(cost_arr),
                    "ListCost": _Col(_dec(list_cost)),
                    "PricingCurrencyEffectiveCost": _Col(cost_arr),
                    "PricingQuantity": _Col(qty_arr),
                }
            )
            yield _Batch(int(keep), cols)

    def _commit_base(self, acct: _Account, m: _Month) -> dict[str, Any]:
        c = acct.commitment
        assert c is not None
        return {
            "CommitmentDiscountCategory": c.category,
            "CommitmentDiscountId": c.id,
            "CommitmentDiscountName": c.name,
            "CommitmentDiscountType": c.type,
            "CommitmentDiscountUnit": c.unit if c.category == "Usage" else acct.currency,
        }

    def _commit_rate(self, acct: _Account) -> tuple[_Tmpl, int, int, int]:
        """(template, list, contracted, amortized) hourly unit prices of the commitment."""
        c = acct.commitment
        assert c is not None
        t = next(t for t in acct.templates if t.key == c.tmpl)
        lp = _units(Decimal(str(t.price)) * Decimal(str(acct.price_factor)))
        cp = lp * (10_000 - acct.discount_bp) // 10_000
        return t, lp, cp, cp * c.rate_bp // 10_000

    def _utilisation(self, acct: _Account, m: _Month) -> np.ndarray:
        slots = self.plans[acct.key].slots
        util = self.rng(self.acct_no(acct), 3, m.idx).uniform(0.86, 1.0, m.days)
        return np.minimum(np.rint(slots * util).astype(np.int64), slots)

    def _commit_sub_tags(self, acct: _Account) -> tuple[str, str, str]:
        c = acct.commitment
        assert c is not None
        s = acct.subs[c.owner]
        team = ROLE_TEAM.get(s.role, "platform")
        return s.id, s.name, json.dumps({"team": team, "env": "prod"}, separators=(",", ":"))

    def _commit_row(self, acct: _Account, m: _Month) -> dict[str, Any]:
        c = acct.commitment
        assert c is not None
        t, *_ = self._commit_rate(acct)
        sub_id, sub_name, tags = self._commit_sub_tags(acct)
        region = acct.regions[c.region]
        return {
            **self.base(acct, m),
            **self._commit_base(acct, m),
            "ResourceId": c.id,
            "ResourceName": c.name,
            "ResourceType": c.type,
            "RegionId": region[0],
            "RegionName": region[1],
            "ServiceCategory": t.category,
            "ServiceSubcategory": t.subcategory,
            "ServiceName": t.service,
            "SubAccountId": sub_id,
            "SubAccountName": sub_name,
            "Tags": tags,
            "SkuId": t.sku,
            "x_ServiceCode": t.code,
            "x_ServiceId": t.code,
        }

    def _purchase(self, acct: _Account, m: _Month, totals: _Totals) -> _Batch:
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
        return _small_batch(self._commit_row(acct, m), [row])

    def _covered(
        self, acct: _Account, m: _Month, day_limit: int | None, totals: _Totals
    ) -> Iterator[_Batch]:
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
        base = {**self.base(acct, m), **self._commit_base(acct, m)}
        hours = 24 * SCALE
        for start in range(0, day_all.size, CHUNK_ROWS):
            day = day_all[start : start + CHUNK_ROWS]
            slot = slot_all[start : start + CHUNK_ROWS]
            n = day.size
            eff = np.full(n, 24 * rate, dtype=np.int64)
            zero = np.zeros(n, dtype=np.int64)
            totals.add(zero, eff, cpool.sub[slot])
            cols = {k: _Col(v) for k, v in base.items()}
            cols.update({k: _Col(v, slot) for k, v in cpool.cols.items()})
            cols.update({k: _Col(v, day) for k, v in day_cols.items()})
            eff_arr = _dec(eff)
            cols.update(
                {
                    "PricingCategory": _Col("Committed"),
                    "CommitmentDiscountStatus": _Col("Used"),
                    "CommitmentDiscountQuantity": _Col(
                        hours if c.category == "Usage" else 24 * rate
                    ),
                    "BilledCost": _Col(_dec(zero)),
                    "EffectiveCost": _Col(eff_arr),
                    "PricingCurrencyEffectiveCost": _Col(eff_arr),
                    "ListCost": _Col(24 * lp),
                    "ContractedCost": _Col(24 * cp),
                    "ConsumedQuantity": _Col(hours),
                    "PricingQuantity": _Col(hours),
                }
            )
            yield _Batch(n, cols)
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
            yield _small_batch(self._commit_row(acct, m), rows)

    def _month_end(self, acct: _Account, m: _Month, totals: _Totals) -> Iterator[_Batch]:
        """Credits, adjustments and taxes of a closed month (full deliveries only)."""
        base = {
            **self.base(acct, m),
            "ChargePeriodStart": m.start,
            "ChargePeriodEnd": m.end,
            "ChargeFrequency": "One-Time",
            "RegionId": None,
        }
        minor = SCALE // 10 ** MINOR_UNITS[acct.currency]
        rows: list[dict[str, Any]] = []

        def sub_fields(s_idx: int) -> dict[str, Any]:
            s = acct.subs[s_idx]
            return {"SubAccountId": s.id, "SubAccountName": s.name}

        null_cc = acct.null_contracted_on_credit_tax
        if acct.credit:
            s_idx, bp, desc, service = acct.credit
            t = next(t for t in acct.templates if t.service == service)
            amount = -(totals.billed_by_sub.get(s_idx, 0) * bp // 10_000 // minor * minor)
            if amount:
                rows.append(
                    {
                        **sub_fields(s_idx),
                        "ChargeCategory": "Credit",
                        "ChargeDescription": desc,
                        "ServiceCategory": t.category,
                        "ServiceSubcategory": t.subcategory,
                        "ServiceName": t.service,
                        "BilledCost": amount,
                        "EffectiveCost": amount,
                        "PricingCurrencyEffectiveCost": amount,
                        "ListCost": None if null_cc else amount,
                        "ContractedCost": None if null_cc else amount,
                    }
                )
        if acct.adjustment:
            s_idx, minor_amount, desc = acct.adjustment
            amount = minor_amount * minor
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
            yield _small_batch(base, rows)


# --------------------------------------------------------------------------------------------
# File plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileSpec:
    rel: str
    fmt: str
    version: str
    style: _CsvStyle
    segments: tuple[tuple[str, int, int | None], ...]  # (account key, month idx, day limit)
    front: tuple[str, ...] = ()
    back: tuple[str, ...] = ()
    note: str = ""


def _gzipped(spec: _FileSpec) -> _FileSpec:
    """The same delivery as csv.gz (for data sets too large to land as plain text)."""
    if spec.fmt != "csv":
        return spec
    return replace(spec, rel=spec.rel + ".gz", fmt="csv.gz")


def _file_plan(months: list[_Month]) -> list[_FileSpec]:
    specs: list[_FileSpec] = []
    last = months[-1]
    aws = ACCOUNT_BY_KEY["aws"]
    for m in months:
        version = "1.3" if (m is last and len(months) > 1) else "1.2"
        specs.append(
            _FileSpec(
                f"billing/aws/focus-{version}_{aws.id}_{m.label}.csv",
                "csv",
                version,
                _CsvStyle(null="", ts="Z"),
                (("aws", m.idx, None),),
                back=aws.extras,
                note="FOCUS 1.3: ProviderName and ServiceProviderName both AWS"
                if version == "1.3"
                else "",
            )
        )
    eu = ACCOUNT_BY_KEY["aws-eu"]
    for m in months:
        specs.append(
            _FileSpec(
                f"billing/aws-eu/focus-1.2_{eu.id}_{m.label}.parquet",
                "parquet",
                "1.2",
                _CsvStyle(),
                (("aws-eu", m.idx, None),),
                back=eu.extras,
                note="money decimal128(38,10), timestamps timestamp[us, UTC]",
            )
        )
    az = ACCOUNT_BY_KEY["azure"]
    azure_months = months[:-1] if len(months) > 1 else months
    for m in azure_months:
        specs.append(
            _FileSpec(
                f"billing/azure/focus-1.0_{az.id}_{m.label}.csv",
                "csv",
                "1.0",
                _CsvStyle(null="NULL", ts="space", trim_money=False),
                (("azure", m.idx, None),),
                front=("Id",),
                back=az.extras,
                note="unquoted NULL, timestamps without T/Z, money with 10 fixed decimals",
            )
        )
    mixed = tuple(("oci", m.idx, None) for m in months)
    if len(months) > 1:
        mixed += (("azure", last.idx, None),)
    specs.append(
        _FileSpec(
            f"billing/multi/focus-1.2_oci-and-azure_{months[0].label}_{last.label}.csv",
            "csv",
            "1.2",
            _CsvStyle(null="NULL", ts="offset"),
            mixed,
            note="two providers in one file; +00:00 offsets; OCI ChargeFrequency 'Usage-based'",
        )
    )
    gcp = ACCOUNT_BY_KEY["gcp"]
    style = _CsvStyle(null="", ts="space")
    for m in months:
        nxt = _month(m.year + (m.month == 12), m.month % 12 + 1, -1)
        if m is last:
            d = m.date(PARTIAL_DAYS + 1)
            specs.append(
                _FileSpec(
                    f"billing/gcp/focus-1.2_{gcp.id}_{m.label}_delivery-{d:%Y%m%d}_partial.csv.gz",
                    "csv.gz",
                    "1.2",
                    style,
                    (("gcp", m.idx, PARTIAL_DAYS),),
                    back=gcp.extras,
                    note=f"partial delivery: days 1-{PARTIAL_DAYS}, superseded by the full one",
                )
            )
        d = nxt.date(3)
        specs.append(
            _FileSpec(
                f"billing/gcp/focus-1.2_{gcp.id}_{m.label}_delivery-{d:%Y%m%d}.csv.gz",
                "csv.gz",
                "1.2",
                style,
                (("gcp", m.idx, None),),
                back=gcp.extras,
                note="full re-delivery of the month" if m is last else "",
            )
        )
    return specs


# --------------------------------------------------------------------------------------------
# Invoices, telemetry, FX
# --------------------------------------------------------------------------------------------


def _fmt_amount(value: Decimal, currency: str) -> str:
    return f"{_round_minor(value, currency):f}"


def _write_csv(path: Path, header: Sequence[str], rows: list[list[str | None]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(buf.getvalue().encode())
    os.replace(tmp, path)


def _saas_invoices(gen: _Generator, months: list[_Month]) -> list[list[str | None]]:
    rng = gen.rng(100)
    out: list[list[str | None]] = []

    def line(
        inv: str,
        n: int,
        vendor: str,
        acct: str,
        date: dt.date,
        start: dt.date,
        end: dt.date,
        cur: str,
        product: str,
        desc: str,
        qty: Decimal,
        unit: Decimal,
    ) -> None:
        amount = _round_minor(qty * unit, cur)
        out.append(
            [
                inv,
                f"{inv}-{n}",
                "saas",
                vendor,
                acct,
                date.isoformat(),
                start.isoformat(),
                end.isoformat(),
                cur,
                f"{amount:f}",
                product,
                desc,
                f"{qty:f}",
            ]
        )

    first = months[0]
    gh_end = dt.date(first.year + 1, first.month, 1)
    gh_inv = f"GH-{first.year}{first.month:02d}-0042"
    line(
        gh_inv,
        1,
        "GitHub",
        "gh-ent-acme",
        first.date(1),
        first.date(1),
        gh_end,
        "USD",
        "GitHub Enterprise Cloud",
        "Annual prepaid licence, 180 seats x 12 months",
        Decimal(180),
        Decimal("252.00"),
    )
    for m in months:
        nxt = _month(m.year + (m.month == 12), m.month % 12 + 1, -1)
        start, end = m.date(1), nxt.date(1)
        hosts = int(rng.integers(140, 170))
        logs = int(rng.integers(2_800, 3_600))
        apm = int(rng.integers(40, 55))
        inv = f"DD-{m.year}{m.month:02d}-4821"
        line(
            inv,
            1,
            "Datadog",
            "dd-org-4821",
            nxt.date(3),
            start,
            end,
            "USD",
            "Infrastructure Pro",
            "Infrastructure hosts (monthly)",
            Decimal(hosts),
            Decimal("23.00"),
        )
        line(
            inv,
            2,
            "Datadog",
            "dd-org-4821",
            nxt.date(3),
            start,
            end,
            "USD",
            "Log Management",
            "Ingested logs, GB",
            Decimal(logs),
            Decimal("0.10"),
        )
        line(
            inv,
            3,
            "Datadog",
            "dd-org-4821",
            nxt.date(3),
            start,
            end,
            "USD",
            "APM",
            "APM hosts",
            Decimal(apm),
            Decimal("36.00"),
        )
        minutes = int(rng.integers(60_000, 90_000))
        line(
            f"GH-{m.year}{m.month:02d}-0043",
            1,
            "GitHub",
            "gh-ent-acme",
            nxt.date(2),
            start,
            end,
            "USD",
            "GitHub Actions",
            "Metered Linux runner minutes",
            Decimal(minutes),
            Decimal("0.008"),
        )
        seats = int(rng.integers(410, 440))
        line(
            f"SLK-{m.year}{m.month:02d}-T0ACME",
            1,
            "Slack",
            "slack-T0ACME",
            start,
            start,
            end,
            "GBP",
            "Slack Business+",
            "Active seats",
            Decimal(seats),
            Decimal("11.70"),
        )
        credits = Decimal(int(rng.integers(1_900_000, 2_300_000))).scaleb(-3)
        storage = Decimal(int(rng.integers(38_000, 42_000))).scaleb(-3)
        inv = f"SNOW-{m.year}{m.month:02d}-EU01"
        line(
            inv,
            1,
            "Snowflake",
            "snowflake-acme-eu",
            nxt.date(4),
            start,
            end,
            "EUR",
            "Compute credits",
            "Enterprise edition credits",
            credits,
            Decimal("3.90"),
        )
        line(
            inv,
            2,
            "Snowflake",
            "snowflake-acme-eu",
            nxt.date(4),
            start,
            end,
            "EUR",
            "Storage",
            "On-demand storage, TB-months",
            storage,
            Decimal("23.00"),
        )
    return out


def _vendor_invoices(gen: _Generator, months: list[_Month]) -> list[list[str | None]]:
    """Shared tooling and services beyond the SaaS file: security tooling (Wiz, SaaS, USD, by
    workloads) and a managed IT support contract (vendor invoice, EUR, fixed monthly fee)."""
    rng = gen.rng(101)
    out: list[list[str | None]] = []
    for m in months:
        nxt = _month(m.year + (m.month == 12), m.month % 12 + 1, -1)
        start, end = m.date(1), nxt.date(1)
        workloads = int(rng.integers(260, 300))
        inv = f"WIZ-{m.year}{m.month:02d}-7311"
        amount = _round_minor(Decimal(workloads) * Decimal("9.50"), "USD")
        out.append(
            [
                inv,
                f"{inv}-1",
                "saas",
                "Wiz",
                "wiz-acme",
                start.isoformat(),
                start.isoformat(),
                end.isoformat(),
                "USD",
                f"{amount:f}",
                "Wiz Cloud",
                "Cloud security posture management, workloads",
                str(workloads),
            ]
        )
        inv = f"NW-{m.year}{m.month:02d}-0815"
        out.append(
            [
                inv,
                f"{inv}-1",
                "vendor",
                "Northwind Managed Services",
                "nw-acme-eu",
                nxt.date(5).isoformat(),
                start.isoformat(),
                end.isoformat(),
                "EUR",
                "8500.00",
                "Managed IT support",
                "Service desk and on-call support, monthly fee",
                "1",
            ]
        )
    return out


_TELEMETRY_BASE = {  # requests, cpu core hours, storage GB, active users, ci builds, hosts
    "checkout": (2_400_000, 1_900, 850, 42_000, 14, 38),
    "payments": (1_100_000, 1_400, 1_200, 30_000, 10, 26),
    "search": (6_500_000, 3_100, 4_200, 55_000, 9, 64),
    "catalog": (3_200_000, 1_100, 2_600, 50_000, 8, 22),
    "identity": (4_800_000, 800, 300, 61_000, 6, 18),
    "recommendations": (2_000_000, 2_600, 5_200, 38_000, 7, 44),
    "mobile-api": (5_500_000, 1_700, 400, 47_000, 12, 34),
    "data-platform": (300_000, 5_200, 48_000, 900, 11, 80),
    "ci-cd": (200_000, 2_200, 9_000, 350, 850, 40),
    "observability": (9_000_000, 1_300, 15_000, 420, 5, 28),
}


def _telemetry_rows(gen: _Generator, m: _Month) -> list[list[str | None]]:
    rng = gen.rng(200, m.idx)
    out: list[list[str | None]] = []
    for day in range(1, m.days + 1):
        date = m.date(day)
        wf = float(_WEEKDAY_FACTOR[date.weekday()])
        growth = 1.0 + 0.001 * (m.idx * 31 + day)
        for svc in SERVICES:
            req, cpu, sto, users, builds, hosts = _TELEMETRY_BASE[svc]
            noise = rng.lognormal(0.0, 0.05, 6)
            requests = int(req * wf * growth * noise[0])
            cpu_centi = int(cpu * (0.85 + 0.15 * wf) * growth * noise[1] * 100)
            storage_milli = int(sto * growth * 1000 * (1 + 0.01 * noise[2]))
            active = int(users * wf * growth * noise[3])
            ci = int(builds * (wf if wf > 0.9 else 0.15) * noise[4])
            n_hosts = max(1, round(hosts * (0.9 + 0.1 * wf) * noise[5]))
            total = requests
            bad = int(rng.binomial(total, float(rng.uniform(0.0002, 0.003))))
            out.append(
                [
                    date.isoformat(),
                    svc,
                    str(requests),
                    f"{cpu_centi // 100}.{cpu_centi % 100:02d}",
                    f"{storage_milli // 1000}.{storage_milli % 1000:03d}",
                    str(active),
                    str(ci),
                    str(n_hosts),
                    str(total - bad),
                    str(total),
                ]
            )
    return out


def _last_business_day(m: _Month) -> dt.date:
    d = m.date(m.days)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def _fx_rows(gen: _Generator, months: list[_Month]) -> list[list[str | None]]:
    rng = gen.rng(300)
    out: list[list[str | None]] = []
    for m in months:
        d = _last_business_day(m).isoformat()
        eur = 11_640 + int(rng.integers(-120, 121))  # 1e-4
        gbp = 13_380 + int(rng.integers(-150, 151))
        jpy = 66_800_000 + int(rng.integers(-900_000, 900_001))  # 1e-10
        out.append([d, "EUR", "USD", f"{eur // 10_000}.{eur % 10_000:04d}"])
        out.append([d, "GBP", "USD", f"{gbp // 10_000}.{gbp % 10_000:04d}"])
        out.append([d, "JPY", "USD", f"0.{jpy:010d}".rstrip("0")])
    return out


# --------------------------------------------------------------------------------------------
# Bad rows (inject_errors)
# --------------------------------------------------------------------------------------------


def _bad_rows(landing: Path, gen: _Generator, month: _Month) -> tuple[FileInfo, BadRows]:
    acct = ACCOUNT_BY_KEY["aws"]
    columns = columns_for_version("1.2")
    base = gen.base(acct, month)
    t = acct.templates[0]
    lp = _units(t.price)
    cp = lp * (10_000 - acct.discount_bp) // 10_000

    def row(i: int) -> dict[str, str | None]:
        q = 24 * (i + 1)
        cost = q * cp
        day = month.start + 86400 * i
        return {
            **{
                k: (_ts_str(v, "Z") if _kind(k) == "ts" else str(v))
                for k, v in base.items()
                if k in columns
            },
            "AvailabilityZone": "us-east-1a",
            "BilledCost": _units_str(cost),
            "ChargeDescription": t.description,
            "ChargePeriodStart": _ts_str(day, "Z"),
            "ChargePeriodEnd": _ts_str(day + 86400, "Z"),
            "ConsumedQuantity": str(q),
            "ConsumedUnit": t.unit,
            "ContractedCost": _units_str(cost),
            "ContractedUnitPrice": _units_str(cp),
            "EffectiveCost": _units_str(cost),
            "ListCost": _units_str(q * lp),
            "ListUnitPrice": _units_str(lp),
            "PricingCategory": "Standard",
            "PricingCurrencyContractedUnitPrice": _units_str(cp),
            "PricingCurrencyEffectiveCost": _units_str(cost),
            "PricingCurrencyListUnitPrice": _units_str(lp),
            "PricingQuantity": str(q),
            "PricingUnit": t.unit,
            "RegionId": "us-east-1",
            "RegionName": "US East (N. Virginia)",
            "ResourceId": f"arn:aws:ec2:us-east-1:111111111111:instance/i-0bad{i:012d}",
            "ResourceName": f"checkout-vm-bad{i:04d}",
            "ResourceType": t.rtype,
            "ServiceCategory": t.category,
            "ServiceSubcategory": t.subcategory,
            "ServiceName": t.service,
            "SkuId": t.sku,
            "SkuMeter": t.meter,
            "SkuPriceId": f"{t.sku}-us-east-1",
            "SubAccountId": "111111111111",
            "SubAccountName": "acme-prod-apps",
            "Tags": '{"application":"checkout","env":"prod"}',
        }

    plan: list[tuple[str, dict[str, str | None]]] = [
        ("good", {}),
        ("non_numeric_billed_cost", {"BilledCost": "12.3x"}),
        ("good", {}),
        ("unparseable_charge_period_start", {"ChargePeriodStart": "2026-13-45"}),
        ("good", {}),
        ("wrong_field_count", {}),
        ("null_billing_currency", {"BillingCurrency": "NULL"}),
        ("good", {}),
        ("unknown_currency", {"BillingCurrency": "XYZ", "PricingCurrency": "XYZ"}),
        ("null_contracted_cost", {"ContractedCost": None}),
        ("wrong_case_charge_category", {"ChargeCategory": "usage"}),
        ("good", {}),
        ("good", {}),
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    lines: dict[str, int] = {}
    good: list[int] = []
    for i, (what, patch) in enumerate(plan):
        values = {**row(i), **patch}
        fields = ["" if values.get(c) is None else values[c] for c in columns]
        if what == "wrong_field_count":
            fields = fields[:-1]
        w.writerow(fields)
        if what == "good":
            good.append(i + 2)
        else:
            lines[what] = i + 2
    rel = f"billing/zz_bad_rows_{month.label}.csv"
    path = landing / rel
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(buf.getvalue().encode())
    os.replace(tmp, path)
    quarantined = (
        "non_numeric_billed_cost",
        "unparseable_charge_period_start",
        "wrong_field_count",
        "null_billing_currency",
    )
    bad = BadRows(
        path=rel,
        month=month.label,
        lines=lines,
        quarantined_lines=tuple(lines[k] for k in quarantined),
        flagged_lines=tuple(v for k, v in lines.items() if k not in quarantined),
        good_lines=tuple(good),
    )
    info = FileInfo(
        rel,
        "billing",
        "csv",
        len(plan),
        "1.2",
        (acct.provider,),
        (acct.id,),
        (month.label,),
        "inject_errors: known bad rows",
    )
    return info, bad


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate(
    landing: Path,
    rows: int = 60_000,
    months: int = 3,
    seed: int = 7,
    start_month: str = "2026-08",
    inject_errors: bool = False,
    gzip_billing: bool = False,
) -> GenerateReport:
    """Write the demo landing files; returns what was written (see the module docstring).

    Only the files listed in the report are (over)written; nothing else under `landing` is
    touched. `rows` is the approximate total of billing rows over all months and files.
    `gzip_billing` delivers every plain-CSV billing file as csv.gz instead (same records).
    """
    landing = Path(landing)
    month_list = _months(start_month, months)
    gen = _Generator(seed, rows, month_list)
    report = GenerateReport(landing=landing)
    for sub in ("billing", "invoices", "telemetry", "fx_rates"):
        (landing / sub).mkdir(parents=True, exist_ok=True)

    # billing
    totals: dict[tuple[str, int], _Totals] = {}
    for spec in _file_plan(month_list):
        if gzip_billing:
            spec = _gzipped(spec)
        path = landing / spec.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        columns = [*spec.front, *columns_for_version(spec.version), *spec.back]
        sink: _CsvSink | _ParquetSink
        if spec.fmt == "parquet":
            sink = _ParquetSink(path, columns)
        else:
            sink = _CsvSink(path, columns, spec.style, gz=spec.fmt == "csv.gz")
        try:
            for key, m_idx, day_limit in spec.segments:
                acct = ACCOUNT_BY_KEY[key]
                t = _Totals()
                for batch in gen.segment(acct, month_list[m_idx], day_limit, t):
                    sink.write(batch)
                if day_limit is None:
                    totals[(key, m_idx)] = t
        except BaseException:
            sink.close(publish=False)
            raise
        sink.close()
        accts = [ACCOUNT_BY_KEY[k] for k in dict.fromkeys(k for k, _, _ in spec.segments)]
        report.files.append(
            FileInfo(
                spec.rel,
                "billing",
                spec.fmt,
                sink.rows,
                spec.version,
                tuple(dict.fromkeys(a.provider for a in accts)),
                tuple(a.id for a in accts),
                tuple(dict.fromkeys(month_list[i].label for _, i, _ in spec.segments)),
                spec.note,
            )
        )

    # cloud invoices
    mismatch_month = month_list[len(month_list) // 2]
    cloud_rows: list[list[str | None]] = []
    for acct in ACCOUNTS:
        for m in month_list:
            t = totals[(acct.key, m.idx)]
            billed = _units_dec(t.billed)
            inv_id = _invoice_id(acct, m)
            report.account_months.append(
                AccountMonth(
                    acct.provider,
                    acct.id,
                    m.label,
                    acct.currency,
                    inv_id,
                    billed,
                    _units_dec(t.effective),
                    t.rows,
                )
            )
            amount = _round_minor(billed, acct.currency)
            if acct.key == "azure" and m is mismatch_month:
                invoiced = amount + INVOICE_MISMATCH
                report.invoice_mismatch = InvoiceMismatch(
                    inv_id,
                    acct.provider,
                    acct.id,
                    m.label,
                    acct.currency,
                    amount,
                    invoiced,
                    INVOICE_MISMATCH,
                )
                amount = invoiced
            nxt = _month(m.year + (m.month == 12), m.month % 12 + 1, -1)
            cloud_rows.append(
                [
                    inv_id,
                    f"{inv_id}-1",
                    "cloud",
                    acct.provider,
                    acct.id,
                    nxt.date(acct.invoice_day).isoformat(),
                    m.date(1).isoformat(),
                    nxt.date(1).isoformat(),
                    acct.currency,
                    _fmt_amount(amount, acct.currency),
                    f"{acct.provider} cloud services",
                    f"{acct.provider} charges {m.label} ({acct.id})",
                    None,
                ]
            )
    span = f"{month_list[0].label}_{month_list[-1].label}"
    header = [c.name for c in INVOICES.columns]
    for name, body in (
        (f"invoices/cloud_invoices_{span}.csv", cloud_rows),
        (f"invoices/saas_invoices_{span}.csv", _saas_invoices(gen, month_list)),
        (f"invoices/vendor_invoices_{span}.csv", _vendor_invoices(gen, month_list)),
    ):
        _write_csv(landing / name, header, body)
        report.files.append(
            FileInfo(name, "invoices", "csv", len(body), months=tuple(m.label for m in month_list))
        )

    # telemetry
    header = [c.name for c in TELEMETRY.columns]
    for m in month_list:
        body = _telemetry_rows(gen, m)
        name = f"telemetry/service_telemetry_{m.label}.csv"
        _write_csv(landing / name, header, body)
        report.files.append(FileInfo(name, "telemetry", "csv", len(body), months=(m.label,)))

    # treasury FX rates
    body = _fx_rows(gen, month_list)
    name = "fx_rates/treasury_rates.csv"
    _write_csv(landing / name, [c.name for c in FX_RATES.columns], body)
    report.files.append(FileInfo(name, "fx_rates", "csv", len(body)))

    if inject_errors:
        info, bad = _bad_rows(landing, gen, _prev_month(month_list[0]))
        report.files.append(info)
        report.bad_rows = bad
    return report


def write_focus_rows(
    path: Path | str,
    rows: list[dict[str, str | None]],
    version: str,
    fmt: Fmt = "csv",
    *,
    null: str = "",
    typed_parquet: bool = True,
) -> Path:
    """Write `rows` (FOCUS column -> string or None) as a billing file of `version`.

    The columns are those of `columns_for_version(version)` in that order, followed by any other
    key found in `rows` (e.g. `Id`, `x_...`; first-seen order). Missing keys are null.
    CSV / CSV.gz: null is written as `null` ("" or "NULL"), quoting as needed (gzip mtime 0).
    Parquet: with `typed_parquet`, money columns are decimal128(38,10) (parsed with Decimal) and
    timestamps timestamp[us, UTC] (ISO 8601, `Z`/offset/space accepted); otherwise all strings.
    """
    path = Path(path)
    columns = columns_for_version(version)
    extra = list(dict.fromkeys(k for r in rows for k in r if k not in columns))
    columns = [*columns, *extra]
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "csv.gz"):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([null if r.get(c) is None else r[c] for c in columns])
        data = buf.getvalue().encode()
        if fmt == "csv.gz":
            out = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
                gz.write(data)
            data = out.getvalue()
        path.write_bytes(data)
        return path
    if fmt != "parquet":
        raise ValueError(f"unknown format {fmt!r}")
    arrays = []
    fields = []
    for c in columns:
        values = [r.get(c) for r in rows]
        kind = _kind(c) if typed_parquet else "text"
        if kind == "money":
            arrays.append(pa.array([None if v is None else Decimal(v) for v in values], MONEY_TYPE))
        elif kind == "ts":
            arrays.append(pa.array([None if v is None else _parse_ts(v) for v in values], TS_TYPE))
        else:
            arrays.append(pa.array(values, pa.string()))
        fields.append(pa.field(c, arrays[-1].type))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)
    return path


def _parse_ts(value: str) -> dt.datetime:
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _main(argv: Sequence[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description="Write the demo landing files.")
    p.add_argument("landing", type=Path)
    p.add_argument("--rows", type=int, default=60_000)
    p.add_argument("--months", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start-month", default="2026-08")
    p.add_argument("--inject-errors", action="store_true")
    a = p.parse_args(argv)
    report = generate(a.landing, a.rows, a.months, a.seed, a.start_month, a.inject_errors)
    for f in report.files:
        print(f"{f.rows:>10}  {f.focus_version or '':4}  {f.path}")


if __name__ == "__main__":
    _main()

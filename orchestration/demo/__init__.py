"""Deterministic demo-data generator for the landing folder (see docs/landing-and-raw.md).

`generate(landing, rows=..., months=..., seed=...)` writes FOCUS billing exports (CSV, CSV.gz,
Parquet; FOCUS 1.0, 1.2 and 1.3), cloud and SaaS invoices, service telemetry, treasury FX rates,
deploy events and Kubernetes container usage.
The same arguments always give byte-identical files: nothing reads the clock, every random draw
comes from `numpy.random.default_rng` seeded with `[seed, ...]`.

The demo company (billing accounts, sub-accounts, SKUs and prices, regions, tag habits,
commitments, services and teams, telemetry baselines, SaaS and vendor invoice lines, treasury
rates) is data: the files in `company/`, described in company/README.md and read by
`company_data.py`. The modules hold the generating algorithm:

    company_data  loading and checking the company files
    months        billing months, weekday activity
    money         exact int64 money in units of 1e-10, decimal128 conversion
    pool          an account's resources and their pool-level column values
    billing       billing rows of an account-month: usage, commitments, credits, taxes
    deliveries    which billing files land: provider, format, FOCUS version, partial deliveries
    batch, sinks  column batches and the CSV / Parquet writers
    invoices      cloud invoices from the billing totals, SaaS and vendor invoices
    telemetry, fx service telemetry, treasury FX rates
    containers    deploy events and the cluster's pod usage per hour (company/containers.csv)
    bad_rows      the `inject_errors` file
    landing       `generate`, which writes it all
    focus_rows    `write_focus_rows`, a billing file of given rows (for tests)

Money is generated as int64 in units of 1e-10 and formatted exactly: CSV files carry decimal
strings with at most 10 decimals (never an exponent), Parquet files carry `decimal128(38,10)`
money columns and `timestamp[us, UTC]` timestamps. Billing rows are generated vectorized per
chunk of at most 250,000 rows and streamed to disk, so memory stays bounded whatever `rows` is.

Demo conventions worth knowing (all documented in the report and the test file):
- Billing accounts of the contract (AWS `aws-payer-001` USD, AWS `aws-payer-eu-002` EUR, Microsoft
  `azure-ba-7788` EUR, Google Cloud `gcp-0A1B2C-3D4E5F` JPY) plus a small Oracle (OCI) tenancy in
  USD.
- Files (default 3 months): see `deliveries`.
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

from orchestration.demo.company_data import Company, load_company
from orchestration.demo.focus_rows import write_focus_rows
from orchestration.demo.landing import generate
from orchestration.demo.report import (
    AccountMonth,
    BadRows,
    FileInfo,
    GenerateReport,
    InvoiceMismatch,
)

__all__ = [
    "AccountMonth",
    "BadRows",
    "Company",
    "FileInfo",
    "GenerateReport",
    "InvoiceMismatch",
    "generate",
    "load_company",
    "write_focus_rows",
]

"""Which billing files the demo lands: per provider account, month, format and FOCUS version.

- AWS USD (`aws`): FOCUS 1.2 CSV per month, the last month as FOCUS 1.3 (both `ProviderName`
  and `ServiceProviderName` = `AWS`).
- AWS EU (`aws-eu`): FOCUS 1.2 Parquet per month.
- Azure (`azure`): FOCUS 1.0 CSV for every month but the last (unquoted NULL, timestamps without
  T/Z, money with 10 fixed decimals).
- One FOCUS 1.2 CSV holding the OCI (`oci`) rows of all months and the Azure rows of the last
  month: two providers in one file.
- Google Cloud (`gcp`): FOCUS 1.2 CSV.gz per month, the last month delivered twice (days 1-10,
  then the full month, sorting later).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orchestration.demo.company_data import Company
from orchestration.demo.months import Month, next_month
from orchestration.demo.sinks import CsvStyle

PARTIAL_ACCOUNT = "gcp"  # the account whose last month is first delivered in part
PARTIAL_DAYS = 10  # that first delivery covers days 1-10


@dataclass(frozen=True)
class FileSpec:
    rel: str
    fmt: str
    version: str
    style: CsvStyle
    segments: tuple[tuple[str, int, int | None], ...]  # (account key, month idx, day limit)
    front: tuple[str, ...] = ()
    back: tuple[str, ...] = ()
    note: str = ""


def gzipped(spec: FileSpec) -> FileSpec:
    """The same delivery as csv.gz (for data sets too large to land as plain text)."""
    if spec.fmt != "csv":
        return spec
    return replace(spec, rel=spec.rel + ".gz", fmt="csv.gz")


def file_plan(company: Company, months: list[Month]) -> list[FileSpec]:
    specs: list[FileSpec] = []
    last = months[-1]
    aws = company.account("aws")
    for m in months:
        version = "1.3" if (m is last and len(months) > 1) else "1.2"
        specs.append(
            FileSpec(
                f"billing/aws/focus-{version}_{aws.id}_{m.label}.csv",
                "csv",
                version,
                CsvStyle(null="", ts="Z"),
                (("aws", m.idx, None),),
                back=aws.extras,
                note="FOCUS 1.3: ProviderName and ServiceProviderName both AWS"
                if version == "1.3"
                else "",
            )
        )
    eu = company.account("aws-eu")
    for m in months:
        specs.append(
            FileSpec(
                f"billing/aws-eu/focus-1.2_{eu.id}_{m.label}.parquet",
                "parquet",
                "1.2",
                CsvStyle(),
                (("aws-eu", m.idx, None),),
                back=eu.extras,
                note="money decimal128(38,10), timestamps timestamp[us, UTC]",
            )
        )
    az = company.account("azure")
    azure_months = months[:-1] if len(months) > 1 else months
    for m in azure_months:
        specs.append(
            FileSpec(
                f"billing/azure/focus-1.0_{az.id}_{m.label}.csv",
                "csv",
                "1.0",
                CsvStyle(null="NULL", ts="space", trim_money=False),
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
        FileSpec(
            f"billing/multi/focus-1.2_oci-and-azure_{months[0].label}_{last.label}.csv",
            "csv",
            "1.2",
            CsvStyle(null="NULL", ts="offset"),
            mixed,
            note="two providers in one file; +00:00 offsets; OCI ChargeFrequency 'Usage-based'",
        )
    )
    gcp = company.account(PARTIAL_ACCOUNT)
    style = CsvStyle(null="", ts="space")
    for m in months:
        full_note = "full re-delivery of the month" if m is last else ""
        deliveries = [(None, next_month(m).date(3), "", full_note)]
        if m is last:
            partial_note = f"partial delivery: days 1-{PARTIAL_DAYS}, superseded by the full one"
            partial = (PARTIAL_DAYS, m.date(PARTIAL_DAYS + 1), "_partial", partial_note)
            deliveries.insert(0, partial)
        for day_limit, d, suffix, note in deliveries:
            specs.append(
                FileSpec(
                    f"billing/gcp/focus-1.2_{gcp.id}_{m.label}_delivery-{d:%Y%m%d}{suffix}.csv.gz",
                    "csv.gz",
                    "1.2",
                    style,
                    ((gcp.key, m.idx, day_limit),),
                    back=gcp.extras,
                    note=note,
                )
            )
    return specs

"""Settings: command-line flags and environment variables, one place, with the defaults.

Every setting has an environment variable; the command line sets the same variables, so the Dagster
definitions, dbt (through `profiles.yml`) and the CLI all read one configuration.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
ENGINES = ("duckdb", "spark")

# name -> (environment variable, default, help)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "landing": ("TBM_LANDING", "data/landing", "landing folder with billing/, invoices/, ..."),
    "warehouse": ("TBM_WAREHOUSE", "data/warehouse/tbm.duckdb", "working DuckDB warehouse file"),
    "published": (
        "TBM_PUBLISHED",
        "",
        "read-only file BI opens (default: <warehouse>.published.duckdb beside the warehouse)",
    ),
    "engine": (
        "TBM_ENGINE",
        "duckdb",
        "engine that builds the dbt models: duckdb (embedded) or spark (dbt-spark; see README)",
    ),
    "spark_dir": (
        "TBM_SPARK_DIR",
        "",
        "Spark's folder: warehouse/, metastore/ (Derby), exchange/ (default: spark/ beside the "
        "warehouse)",
    ),
    "reporting_currency": ("TBM_REPORTING_CURRENCY", "USD", "ISO 4217 code of reported amounts"),
    "memory_limit": ("TBM_DUCKDB_MEMORY_LIMIT", "4GB", "DuckDB memory limit"),
    "temp_dir": ("TBM_DUCKDB_TEMP_DIR", "data/warehouse/tmp", "DuckDB spill folder"),
    "max_unallocated_share": (
        "TBM_MAX_UNALLOCATED_SHARE",
        "0.05",
        "gate: highest unallocated share of a month's effective cost (TBM practice: 5%)",
    ),
    "max_currency_errors": (
        "TBM_MAX_CURRENCY_ERRORS",
        "0",
        "gate: currency errors (unknown ISO code, missing FX rate) allowed per month",
    ),
    "min_volume_ratio": (
        "TBM_MIN_VOLUME_RATIO",
        "0.5",
        "warning: lowest ratio of a billing delivery's rows to the previous delivery's",
    ),
    "max_billing_format_errors": (
        "TBM_MAX_BILLING_FORMAT_ERRORS",
        "0",
        "gate: per billing file and month, expected FOCUS columns missing and rows with a "
        "malformed value (quarantined, bad currency code, period, JSON or enumeration)",
    ),
    "max_unowned_services": (
        "TBM_MAX_UNOWNED_SERVICES",
        "0",
        "gate: services with cost in a month but no owner or business unit in the catalog",
    ),
    "max_billing_age_hours": (
        "TBM_MAX_BILLING_AGE_HOURS",
        "72",
        "gate: hours a billing account's newest ChargePeriodEnd may lag the freshness 'as of'",
    ),
    "freshness_as_of": (
        "TBM_FRESHNESS_AS_OF",
        "latest",
        "freshness reference: `latest` (newest ChargePeriodEnd of all billing), `now` (the "
        "clock, UTC) or an ISO 8601 timestamp (UTC)",
    ),
}

# Settings that are gate thresholds: suite parameters of the same name (expectations/*.json).
THRESHOLDS = (
    "max_unallocated_share",
    "max_currency_errors",
    "min_volume_ratio",
    "max_billing_format_errors",
    "max_unowned_services",
    "max_billing_age_hours",
)


def _env(name: str) -> str:
    var, default, _ = SETTINGS[name]
    return os.environ.get(var) or default


def _decimal(name: str) -> Decimal:
    value = _env(name)
    try:
        return Decimal(value)
    except ArithmeticError:
        var = SETTINGS[name][0]
        raise ValueError(f"{var}={value!r} is not a number (default {SETTINGS[name][1]})") from None


def _as_of(value: str) -> str:
    """`latest`, `now` or an ISO 8601 timestamp, normalized to UTC without offset."""
    if value.lower() in ("latest", "now"):
        return value.lower()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"TBM_FRESHNESS_AS_OF={value!r}: expected `latest`, `now` or an ISO 8601 timestamp "
            "such as 2026-11-01T00:00:00Z"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(sep=" ")


def _reporting_currency(value: str) -> str:
    """An ISO 4217 code shape (dbt uses it as a var in SQL text: nothing else may pass)."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(
            f"TBM_REPORTING_CURRENCY={value!r}: expected a three-letter ISO 4217 code, e.g. USD"
        )
    return code


def _memory_limit(value: str) -> str:
    """A DuckDB memory size such as 4GB or 512MiB (it reaches DuckDB's SET through dbt)."""
    size = value.strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)? ?([KMGT]i?B|B)?", size, flags=re.IGNORECASE):
        raise ValueError(
            f"TBM_DUCKDB_MEMORY_LIMIT={value!r}: expected a size such as 4GB, 512MB or 2GiB"
        )
    return size


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path.cwd() / path


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    published: Path
    reporting_currency: str
    memory_limit: str
    temp_dir: Path
    thresholds: dict[str, Decimal] = field(default_factory=dict)
    freshness_as_of: str = "latest"
    engine: str = "duckdb"
    spark_dir: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        warehouse = _path(_env("warehouse"))
        published = _env("published")
        engine = _env("engine").strip().lower()
        if engine not in ENGINES:
            raise ValueError(f"TBM_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
        spark_dir = _env("spark_dir")
        return cls(
            landing=_path(_env("landing")),
            warehouse=warehouse,
            published=_path(published)
            if published
            else warehouse.with_name(warehouse.stem + ".published.duckdb"),
            reporting_currency=_reporting_currency(_env("reporting_currency")),
            memory_limit=_memory_limit(_env("memory_limit")),
            temp_dir=_path(_env("temp_dir")),
            thresholds={name: _decimal(name) for name in THRESHOLDS},
            freshness_as_of=_as_of(_env("freshness_as_of")),
            engine=engine,
            spark_dir=_path(spark_dir) if spark_dir else warehouse.parent / "spark",
        )

    @property
    def gx_docs(self) -> Path:
        """Folder of the Great Expectations Data Docs (index.html) of the last gate run."""
        return self.warehouse.parent / "gx_docs"

    def export(self) -> None:
        """Write these settings back to the environment (dbt and Dagster read them there)."""
        os.environ["TBM_LANDING"] = str(self.landing)
        os.environ["TBM_WAREHOUSE"] = str(self.warehouse)
        os.environ["TBM_PUBLISHED"] = str(self.published)
        os.environ["TBM_REPORTING_CURRENCY"] = self.reporting_currency
        os.environ["TBM_DUCKDB_MEMORY_LIMIT"] = self.memory_limit
        os.environ["TBM_DUCKDB_TEMP_DIR"] = str(self.temp_dir)
        # dbt reads it in models/quality/qa_billing_freshness.sql
        os.environ["TBM_FRESHNESS_AS_OF"] = self.freshness_as_of
        os.environ["TBM_ENGINE"] = self.engine
        # profiles.yml (Spark's warehouse and metastore) and dbt_project.yml (exchange folder)
        if self.spark_dir is not None:
            os.environ["TBM_SPARK_DIR"] = str(self.spark_dir)

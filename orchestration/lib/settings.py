"""Settings: command-line flags and environment variables, one place, with the defaults.

Every setting has an environment variable; the command line sets the same variables, so the Dagster
definitions, dbt (through `profiles.yml`) and the CLI all read one configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# name -> (environment variable, default, help)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "landing": ("TBM_LANDING", "data/landing", "landing folder with billing/, invoices/, ..."),
    "warehouse": ("TBM_WAREHOUSE", "data/warehouse/tbm.duckdb", "working DuckDB warehouse file"),
    "published": (
        "TBM_PUBLISHED",
        "",
        "read-only file BI opens (default: <warehouse>.published.duckdb beside the warehouse)",
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
}


def _env(name: str) -> str:
    var, default, _ = SETTINGS[name]
    return os.environ.get(var) or default


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

    @classmethod
    def from_env(cls) -> Settings:
        warehouse = _path(_env("warehouse"))
        published = _env("published")
        return cls(
            landing=_path(_env("landing")),
            warehouse=warehouse,
            published=_path(published)
            if published
            else warehouse.with_name(warehouse.stem + ".published.duckdb"),
            reporting_currency=_env("reporting_currency").upper(),
            memory_limit=_env("memory_limit"),
            temp_dir=_path(_env("temp_dir")),
            thresholds={
                "max_unallocated_share": Decimal(_env("max_unallocated_share")),
                "max_currency_errors": Decimal(_env("max_currency_errors")),
                "min_volume_ratio": Decimal(_env("min_volume_ratio")),
            },
        )

    def export(self) -> None:
        """Write these settings back to the environment (dbt and Dagster read them there)."""
        os.environ["TBM_LANDING"] = str(self.landing)
        os.environ["TBM_WAREHOUSE"] = str(self.warehouse)
        os.environ["TBM_PUBLISHED"] = str(self.published)
        os.environ["TBM_REPORTING_CURRENCY"] = self.reporting_currency
        os.environ["TBM_DUCKDB_MEMORY_LIMIT"] = self.memory_limit
        os.environ["TBM_DUCKDB_TEMP_DIR"] = str(self.temp_dir)

"""Settings: command-line flags and environment variables, one place, with the defaults.

This is the only module that reads the process environment. A command builds `Settings` once
(`Settings.from_env(**flags)`: a flag wins over its variable, the variable over the default) and
hands it on: to the Dagster run as the `settings` resource (orchestration/resources.py), to
commands as an argument, and to dbt through `export()`, which writes every value dbt reads
(`profiles.yml`, `dbt_project.yml` vars) back to the environment of the dbt subprocess.

Process-level switches that are not settings of a run live here too: LIBRARY_SWITCHES (set for
the libraries this process imports and for its dbt subprocesses) and TBM_TEST_PAUSE_BEFORE_SWAP
(a test hook of the publication). TBM_PYTHON (the interpreter of scripts/dev) is read by that
shell script only.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "spark")

# name -> (environment variable, default, help)
SETTINGS: dict[str, tuple[str, str, str]] = {
    "landing": ("TBM_LANDING", "data/landing", "landing folder with billing/, invoices/, ..."),
    "org": (
        "TBM_ORG",
        "orgs/demo",
        "organisation folder: the company's service catalog, mapping rules, shared pools, "
        "budgets and SLO targets (docs/organisation.md)",
    ),
    "warehouse": ("TBM_WAREHOUSE", "data/warehouse/tbm.duckdb", "working DuckDB warehouse file"),
    "published": (
        "TBM_PUBLISHED",
        "",
        "read-only file BI opens (default: <warehouse>.published.duckdb beside the warehouse)",
    ),
    "engine": (
        "TBM_ENGINE",
        "duckdb",
        "engine that builds the dbt models: duckdb (embedded) or spark (dbt-spark; docs/spark.md)",
    ),
    "spark_dir": (
        "TBM_SPARK_DIR",
        "",
        "Spark's folder: warehouse/, metastore/ (Derby), exchange/ (default: spark/ beside the "
        "warehouse)",
    ),
    "reporting_currency": ("TBM_REPORTING_CURRENCY", "USD", "ISO 4217 code of reported amounts"),
    "memory_limit": ("TBM_DUCKDB_MEMORY_LIMIT", "2GB", "DuckDB memory limit"),
    "temp_dir": (
        "TBM_DUCKDB_TEMP_DIR",
        "",
        "DuckDB spill folder (default: tmp/ beside the warehouse, on the disk that holds it)",
    ),
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
    "dbt_target": (
        "TBM_DBT_TARGET",
        "",
        "dbt target of profiles.yml (default: the engine's name; Spark variants: "
        "spark_standalone, spark_thrift)",
    ),
    "full_refresh": (
        "TBM_FULL_REFRESH",
        "",
        "1: rebuild every billing month, not only the changed ones (`tbm run --full-refresh`)",
    ),
    "dbt_unit_tests": (
        "TBM_DBT_UNIT_TESTS",
        "",
        "1: the run's dbt build also runs the dbt unit tests (the test command runs them apart)",
    ),
    "dbt_exclude_tests": (
        "TBM_DBT_EXCLUDE_TESTS",
        "",
        "1: the run's dbt build runs no dbt data tests either (models only; for parity tests)",
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


# What the dbt subprocess reads from its environment: profiles.yml and dbt_project.yml name these
# variables with the same defaults as SETTINGS (tests/test_settings.py keeps them equal).
DBT_VARIABLES = (
    "warehouse",
    "memory_limit",
    "temp_dir",
    "reporting_currency",
    "freshness_as_of",
    "spark_dir",
)
# dbt reads the organisation folder as its second seed path, which must lie inside the project:
# dbt writes a seed's compiled SQL to target/run/<project>/<seed path>, and for a seed path
# outside the project that path is the seed file itself. A folder elsewhere is staged (copied)
# under ORG_STAGING before dbt runs (orchestration/org/ stage_for_dbt).
ORG_SEED_PATH = "TBM_ORG_SEED_PATH"
ORG_STAGING = PROJECT_DIR / ".tbm" / "org"
# Switches of the libraries this process imports, set before the import, and of the dbt
# subprocesses it starts: Great Expectations sends usage analytics unless told not to; dbt writes
# a debug log file beside every build (14 MB for the demo, 8% of the build's CPU) that repeats
# at length what the run log holds (DBT_LOG_LEVEL_FILE=debug brings it back).
LIBRARY_SWITCHES = {"GX_ANALYTICS_ENABLED": "false", "DBT_LOG_LEVEL_FILE": "none"}
# A test hook, not a setting: seconds the publication waits between writing the new file and
# swapping it in, so tests/test_interrupt.py can kill a run there.
PAUSE_BEFORE_SWAP = "TBM_TEST_PAUSE_BEFORE_SWAP"


def set_library_switches() -> None:
    """LIBRARY_SWITCHES into the environment, unless the process set them otherwise."""
    for name, value in LIBRARY_SWITCHES.items():
        os.environ.setdefault(name, value)


def _env(name: str) -> str:
    var, default, _ = SETTINGS[name]
    return os.environ.get(var) or default


def _flag(name: str) -> bool:
    return _env(name).strip() == "1"


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


def _org(flag: Path | None) -> Path:
    """The organisation folder: a given path is relative to the working folder; the default
    (the demo company's folder) is the project's own, wherever tbm runs from."""
    given = str(flag) if flag else os.environ.get(SETTINGS["org"][0])
    return _path(given) if given else PROJECT_DIR / SETTINGS["org"][1]


def published_beside(warehouse: Path) -> Path:
    """The default published file of WAREHOUSE: `<warehouse>.published.duckdb` beside it."""
    return warehouse.with_name(warehouse.stem + ".published.duckdb")


@dataclass(frozen=True)
class Settings:
    landing: Path
    org: Path
    warehouse: Path
    published: Path
    reporting_currency: str
    memory_limit: str
    temp_dir: Path
    thresholds: dict[str, Decimal] = field(default_factory=dict)
    freshness_as_of: str = "latest"
    engine: str = "duckdb"
    spark_dir: Path | None = None
    dbt_target: str = "duckdb"
    full_refresh: bool = False
    dbt_unit_tests: bool = False
    dbt_exclude_tests: bool = False
    pause_before_swap_seconds: float = 0.0

    @classmethod
    def from_env(
        cls,
        *,
        landing: Path | None = None,
        org: Path | None = None,
        warehouse: Path | None = None,
        published: Path | None = None,
        engine: str | None = None,
        full_refresh: bool | None = None,
    ) -> Settings:
        """The settings of this process: each flag given (not None) wins over its environment
        variable, which wins over the default. Raises ValueError naming the variable of a value
        that does not parse."""
        warehouse = _path(str(warehouse) if warehouse else _env("warehouse"))
        published = str(published) if published else _env("published")
        engine = (engine or _env("engine")).strip().lower()
        if engine not in ENGINES:
            raise ValueError(f"TBM_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
        spark_dir = _env("spark_dir")
        temp_dir = _env("temp_dir")
        return cls(
            landing=_path(str(landing) if landing else _env("landing")),
            org=_org(org),
            warehouse=warehouse,
            published=_path(published) if published else published_beside(warehouse),
            reporting_currency=_reporting_currency(_env("reporting_currency")),
            memory_limit=_memory_limit(_env("memory_limit")),
            temp_dir=_path(temp_dir) if temp_dir else warehouse.parent / "tmp",
            thresholds={name: _decimal(name) for name in THRESHOLDS},
            freshness_as_of=_as_of(_env("freshness_as_of")),
            engine=engine,
            spark_dir=_path(spark_dir) if spark_dir else warehouse.parent / "spark",
            dbt_target=_env("dbt_target") or engine,
            full_refresh=_flag("full_refresh") if full_refresh is None else full_refresh,
            dbt_unit_tests=_flag("dbt_unit_tests"),
            dbt_exclude_tests=_flag("dbt_exclude_tests"),
            pause_before_swap_seconds=float(os.environ.get(PAUSE_BEFORE_SWAP) or 0),
        )

    @property
    def org_seed_path(self) -> Path:
        """Where dbt reads the organisation folder: the folder itself when it lies in the
        project, else its staged copy (one per folder, named by a digest of its path)."""
        folder = self.org.resolve()
        if folder.is_relative_to(PROJECT_DIR):
            return folder
        return ORG_STAGING / hashlib.sha256(str(folder).encode()).hexdigest()[:16]

    @property
    def gx_docs(self) -> Path:
        """Folder of the Great Expectations Data Docs (index.html) of the last gate run."""
        return self.warehouse.parent / "gx_docs"

    def values(self) -> dict[str, str]:
        """Every setting as its environment variable would spell it."""
        values = {
            "landing": str(self.landing),
            "org": str(self.org),
            "warehouse": str(self.warehouse),
            "published": str(self.published),
            "engine": self.engine,
            "spark_dir": str(self.spark_dir or ""),
            "reporting_currency": self.reporting_currency,
            "memory_limit": self.memory_limit,
            "temp_dir": str(self.temp_dir),
            "dbt_target": self.dbt_target,
            "full_refresh": "1" if self.full_refresh else "",
            "dbt_unit_tests": "1" if self.dbt_unit_tests else "",
            "dbt_exclude_tests": "1" if self.dbt_exclude_tests else "",
            "freshness_as_of": self.freshness_as_of,
            **{name: str(value) for name, value in self.thresholds.items()},
        }
        return {
            **{SETTINGS[name][0]: value for name, value in values.items()},
            ORG_SEED_PATH: self.org_seed_path.relative_to(PROJECT_DIR).as_posix(),
        }

    def export(self, **extra: str) -> None:
        """Write these settings (and EXTRA variables for dbt, such as the Spark build's list of
        closed tables) to this process's environment: the Dagster run reads them back as its
        `settings` resource, and the dbt subprocesses inherit them (profiles.yml, dbt vars)."""
        os.environ.update(self.values())
        os.environ.update(extra)

    @contextmanager
    def exported(self) -> Iterator[None]:
        """`export()` for the time of a run, then the environment as it was: a second run in
        the same process (`tbm bench` builds a month alone on another warehouse) starts from
        its own flags, not from the first run's values."""
        saved = dict(os.environ)
        self.export()
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def dbt_environment(self) -> dict[str, str]:
        """The environment of a dbt subprocess run with these settings."""
        return {**os.environ, **self.values()}


# Settings of alert delivery and unattended operation: read by the notifier, the Dagster
# schedule and sensors and `tbm serve`, never by dbt (so not in SETTINGS). Secrets (the webhook
# URL, the SMTP password) come from here only and are never logged.
OPERATION_SETTINGS: dict[str, tuple[str, str, str]] = {
    "webhook_url": (
        "TBM_ALERT_WEBHOOK_URL",
        "",
        "webhook of the alert routes whose target is empty (docs/alerts.md)",
    ),
    "smtp_host": ("TBM_SMTP_HOST", "", "SMTP server of e-mail alert routes (empty: no e-mail)"),
    "smtp_port": ("TBM_SMTP_PORT", "25", "SMTP port"),
    "smtp_sender": ("TBM_SMTP_FROM", "tbm-warehouse@localhost", "From address of alert e-mail"),
    "smtp_user": ("TBM_SMTP_USER", "", "SMTP login (empty: none)"),
    "smtp_password": ("TBM_SMTP_PASSWORD", "", "SMTP password"),
    "smtp_starttls": ("TBM_SMTP_STARTTLS", "", "1: upgrade the SMTP connection with STARTTLS"),
    "delivery_attempts": (
        "TBM_ALERT_ATTEMPTS",
        "3",
        "attempts per alert message before it is logged as failed (retried at the next run)",
    ),
    "delivery_backoff_seconds": (
        "TBM_ALERT_BACKOFF_SECONDS",
        "1",
        "wait before the second attempt, doubled before each further one",
    ),
    "schedule_cron": (
        "TBM_SCHEDULE_CRON",
        "0 6 * * *",
        "the daily schedule of unattended runs (cron, UTC)",
    ),
}


@dataclass(frozen=True)
class OperationSettings:
    """Alert delivery and unattended operation (OPERATION_SETTINGS), from the environment."""

    webhook_url: str
    smtp_host: str
    smtp_port: int
    smtp_sender: str
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    delivery_attempts: int
    delivery_backoff_seconds: float
    schedule_cron: str

    @classmethod
    def from_env(cls) -> OperationSettings:
        def value(name: str) -> str:
            variable, default, _ = OPERATION_SETTINGS[name]
            return os.environ.get(variable) or default

        def number(name: str, kind):
            try:
                return kind(value(name))
            except ValueError:
                variable = OPERATION_SETTINGS[name][0]
                raise ValueError(f"{variable}={value(name)!r}: expected a number") from None

        return cls(
            webhook_url=value("webhook_url"),
            smtp_host=value("smtp_host"),
            smtp_port=number("smtp_port", int),
            smtp_sender=value("smtp_sender"),
            smtp_user=value("smtp_user"),
            smtp_password=value("smtp_password"),
            smtp_starttls=value("smtp_starttls") == "1",
            delivery_attempts=max(1, number("delivery_attempts", int)),
            delivery_backoff_seconds=number("delivery_backoff_seconds", float),
            schedule_cron=value("schedule_cron"),
        )

"""What `generate` wrote: files, per account-month totals, the invoice mismatch, bad rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class FileInfo:
    path: str  # relative to the landing folder, POSIX separators
    kind: str  # billing | invoices | telemetry | fx_rates | deploy_events | container_usage
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

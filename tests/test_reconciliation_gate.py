"""The month-end reconciliation as a warning gate: the demo's Azure invoice of September bills
more than its billing lines, and the run publishes with a warning naming the invoice, the
account, the month and the difference, computed here from the landing files."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.demo import query
from tests.landing_reader import cloud_invoice_lines, current_snapshot_rows, minor_units

pytestmark = pytest.mark.e2e


def _differences(landing) -> dict[tuple[str, str, str], Decimal]:
    """(invoice id, account, currency) -> invoice total - its billing lines' BilledCost: the
    lines carrying its InvoiceId, or, where the export has no InvoiceId (FOCUS 1.0), the
    account's lines of the invoice's month."""
    by_invoice: dict[str, Decimal] = defaultdict(Decimal)
    by_account_month: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for record in current_snapshot_rows(landing)[0]:
        values = record.values
        cost = Decimal(values["BilledCost"])
        if values.get("InvoiceId"):
            by_invoice[values["InvoiceId"]] += cost
        else:
            by_account_month[(values["BillingAccountId"], values["BillingPeriodStart"][:7])] += cost
    invoiced: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    month_of: dict[str, str] = {}
    for line in cloud_invoice_lines(landing):
        invoiced[(line.invoice_id, line.billing_account_id, line.currency)] += line.amount
        month_of[line.invoice_id] = line.service_period_start.isoformat()[:7]
    differences = {}
    for (invoice_id, account, currency), total in invoiced.items():
        billed = (
            by_invoice[invoice_id]
            if invoice_id in by_invoice
            else by_account_month[(account, month_of[invoice_id])]
        )
        # an invoice bills whole minor units: the billing is compared rounded to them
        unit = Decimal(1).scaleb(-minor_units(currency))
        differences[(invoice_id, account, currency)] = total - billed.quantize(unit, ROUND_HALF_UP)
    return differences


def test_an_invoice_above_its_billing_warns_and_publishes(demo_template):
    run, landing = demo_template["run"], demo_template["landing"]
    assert run.returncode == 0, run.stdout + run.stderr
    off = {key: diff for key, diff in _differences(landing).items() if diff != 0}
    assert len(off) == 1
    ((invoice_id, account, currency), diff), *_ = off.items()
    assert diff > 0
    assert "warn  invoice_reconciliation" in run.stdout
    line = next(line for line in run.stdout.splitlines() if invoice_id in line)
    assert f"({account}, {currency})" in line
    assert f"difference +{diff.normalize():f} {currency}" in line

    warned = query(
        demo_template["published"],
        "select checked_item, status from quality.gate_results "
        "where suite_name = 'invoice_reconciliation' and status <> 'pass'",
    )
    assert [(item.split(" ")[3], status) for item, status in warned] == [(invoice_id, "warn")]
    assert query(demo_template["published"], "select count(*) from marts.fct_allocated_costs")[0][0]

"""Month-end reconciliation on generated data, through the `tbm` command.

The generator's cloud invoices equal the rounded sum of BilledCost per account and month, except
one deliberate mismatch: the Azure invoice (`azure-ba-7788`, EUR) of the middle month is 12.34 EUR
high (`invoice_surplus` in orchestration/demo/company/accounts.json). Every other cloud invoice
must reconcile as `matched`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.demo import query
from tests.landing_reader import cloud_invoice_lines

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(demo_template) -> dict:
    run = demo_template["run"]
    assert run.returncode == 0, run.stdout + run.stderr
    rows = query(
        demo_template["warehouse"],
        "select invoice_id, billing_account_id, strftime(billing_month, '%Y-%m'), "
        "billing_currency, invoice_total_billing, invoice_delta_billing, "
        "reconciliation_status from marts.fct_month_end_reconciliation",
    )
    return {"landing": demo_template["landing"], "rows": rows}


def cloud_invoices(landing: Path) -> dict[str, tuple[str, str, Decimal]]:
    """invoice_id -> (billing account, month, amount), read straight from the landing files."""
    return {
        line.invoice_id: (
            line.billing_account_id,
            line.service_period_start.strftime("%Y-%m"),
            line.amount,
        )
        for line in cloud_invoice_lines(landing)
    }


def test_every_cloud_invoice_has_one_reconciliation_row(demo):
    invoices = cloud_invoices(demo["landing"])
    assert len(invoices) >= 15
    by_invoice = {row[0]: row for row in demo["rows"]}
    assert set(by_invoice) == set(invoices)
    assert len(demo["rows"]) == len(invoices)  # no billing without an invoice
    for invoice_id, (account, month, amount) in invoices.items():
        assert by_invoice[invoice_id][1:3] == (account, month)
        assert by_invoice[invoice_id][4] == amount


def test_every_cloud_invoice_matches_except_the_deliberate_azure_mismatch(demo):
    months = sorted({row[2] for row in demo["rows"]})
    middle = months[len(months) // 2]
    not_matched = [row for row in demo["rows"] if row[6] != "matched"]
    assert [(row[1], row[2], row[3], row[6]) for row in not_matched] == [
        ("azure-ba-7788", middle, "EUR", "mismatch")
    ]
    assert not_matched[0][5] == Decimal("12.34")

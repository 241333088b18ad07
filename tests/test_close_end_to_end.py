"""Month-end close through the `tbm` command, then data that changes the closed month.

generate -> run -> `tbm close --month 2026-09` -> run (no new data) -> land a corrected September
AWS export (one charge +100.00 USD) holding a FOCUS `ChargeClass = Correction` row (-5.00 USD)
-> run. September's closed figures must stay byte for byte what they were, October must carry
the difference as adjustment rows, and closed + adjustments must equal the new figures exactly.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.demo import CHANGE, CORRECTION, copy_demo, land_corrected_september_export, query, tbm
from tests.published_digest import GOLDEN, differences, digest

pytestmark = pytest.mark.e2e
SEPTEMBER = "2026-09-01"


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    return {
        "closed_allocation": query(
            warehouse, "select * from closed.fct_allocated_costs order by all"
        ),
        "closed_showback": query(
            warehouse, "select * from closed.fct_showback_monthly order by all"
        ),
        "closed_reconciliation": query(
            warehouse, "select * from closed.fct_month_end_reconciliation order by all"
        ),
        "closed_fx_rates": query(warehouse, "select * from closed.fx_rates order by all"),
        "booked_september": query(
            warehouse,
            "select * from marts.fct_allocated_costs_with_adjustments "
            f"where billing_month = '{SEPTEMBER}' order by all",
        ),
        "booked_showback_september": query(
            warehouse,
            "select * from marts.fct_showback_monthly_with_adjustments "
            f"where billing_month = '{SEPTEMBER}' order by all",
        ),
        "booked_reconciliation_september": query(
            warehouse,
            "select * from marts.fct_month_end_reconciliation_with_adjustments "
            f"where billing_month = '{SEPTEMBER}' order by all",
        ),
    }


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory) -> dict:
    demo = copy_demo(demo_template, tmp_path_factory.mktemp("close_e2e"))
    landing, warehouse, first = demo["landing"], demo["warehouse"], demo["run"]
    assert first.returncode == 0, first.stdout + first.stderr
    before = {
        "allocation": query(
            warehouse,
            "select * from marts.fct_allocated_costs "
            f"where billing_month = '{SEPTEMBER}' order by all",
        )
    }
    closed = tbm("close", "--month", "2026-09", "--warehouse", str(warehouse), "--by", "alice")
    again = tbm("close", "--month", "2026-09", "--warehouse", str(warehouse))
    bad = tbm("close", "--month", "2026-13", "--warehouse", str(warehouse))
    rerun = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    after_close = snapshot(warehouse)
    land_corrected_september_export(landing)
    corrected = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse))
    return {
        "warehouse": warehouse,
        "published": demo["published"],
        "before": before,
        "closed": closed,
        "again": again,
        "bad": bad,
        "after_close": after_close,
        "corrected": corrected,
        "after_correction": snapshot(warehouse),
    }


def test_close_records_the_month_and_freezes_the_published_rows(demo):
    assert demo["closed"].returncode == 0, demo["closed"].stderr
    assert "Closed 2026-09 by alice" in demo["closed"].stdout
    assert demo["again"].returncode == 1 and "already closed" in demo["again"].stderr
    assert demo["bad"].returncode == 2
    closes = query(
        demo["warehouse"], "select billing_month, action, acted_by, run_id from closed.month_closes"
    )
    assert [(str(m), a, b) for m, a, b, _ in closes] == [(SEPTEMBER, "close", "alice")]
    assert closes[0][3]  # the run id of the frozen figures
    frozen = [row[1:] for row in demo["after_close"]["closed_allocation"]]
    assert sorted(frozen) == demo["before"]["allocation"]  # copied rows, column for column
    assert demo["after_close"]["closed_fx_rates"]


def test_closed_figures_are_byte_for_byte_unchanged_after_a_correction(demo):
    assert demo["corrected"].returncode in (0, 3), demo["corrected"].stderr
    assert demo["after_correction"] == demo["after_close"]


def test_the_difference_is_booked_as_adjustments_in_the_next_open_month(demo):
    rows = query(
        demo["warehouse"],
        "select billing_currency, sum(billed_cost_billing), count(*) "
        "from marts.fct_allocated_costs_with_adjustments "
        f"where row_type = 'adjustment' and adjusted_month = '{SEPTEMBER}' "
        "and billing_month = '2026-10-01' group by 1",
    )
    # USD moved by exactly the change and the correction; the other currencies only see shared
    # pools redistributed (their drivers include the USD direct costs), which nets to zero
    totals = {currency: total for currency, total, _ in rows}
    assert totals.pop("USD") == CHANGE + CORRECTION
    assert all(total == 0 for total in totals.values())


def test_closed_plus_adjustments_equal_the_new_source_totals(demo):
    warehouse = demo["warehouse"]
    booked = dict(
        query(
            warehouse,
            "select billing_currency, sum(billed_cost_billing) "
            "from marts.fct_allocated_costs_with_adjustments where "
            f"(row_type = 'closed' and billing_month = '{SEPTEMBER}') "
            f"or (row_type = 'adjustment' and adjusted_month = '{SEPTEMBER}') group by 1",
        )
    )
    would_be = dict(
        query(
            warehouse,
            "select billing_currency, sum(billed_cost_billing) from marts.fct_allocated_costs "
            f"where billing_month = '{SEPTEMBER}' group by 1",
        )
    )
    assert booked == would_be
    # the restatement view: the USD total moved by exactly the change and the correction
    restated = query(
        warehouse,
        "select sum(closed_billed_cost_billing), sum(would_be_billed_cost_billing) "
        f"from marts.fct_restatements where billing_month = '{SEPTEMBER}' "
        "and billing_currency = 'USD'",
    )
    assert restated[0][1] - restated[0][0] == CHANGE + CORRECTION


def test_the_live_reconciliation_shows_the_change_while_the_closed_one_does_not(demo):
    live = query(
        demo["warehouse"],
        "select reconciliation_status, invoice_delta_billing "
        "from marts.fct_month_end_reconciliation "
        f"where billing_account_id = 'aws-payer-001' and billing_month = '{SEPTEMBER}'",
    )
    assert live == [("mismatch", -(CHANGE + CORRECTION))]
    closed = query(
        demo["warehouse"],
        "select reconciliation_status from closed.fct_month_end_reconciliation "
        "where billing_account_id = 'aws-payer-001'",
    )
    assert closed == [("matched",)]


# --- showback and reconciliation: frozen at close, adjusted in October, restated, published ----


def test_showback_adjustments_are_booked_in_october_and_add_up_to_the_new_figures(demo):
    warehouse = demo["warehouse"]
    assert demo["after_close"]["booked_showback_september"]
    assert query(
        warehouse,
        "select distinct row_type from marts.fct_showback_monthly_with_adjustments "
        f"where billing_month = '{SEPTEMBER}'",
    ) == [("closed",)]
    # closed + adjustment = the showback the current data gives September, per business unit
    booked = query(
        warehouse,
        "select business_unit, cost_center, sum(billed_cost_reporting), "
        "sum(effective_cost_reporting) from marts.fct_showback_monthly_with_adjustments where "
        f"(row_type = 'closed' and billing_month = '{SEPTEMBER}') or (row_type = 'adjustment' "
        f"and adjusted_month = '{SEPTEMBER}' and billing_month = '2026-10-01') "
        "group by all order by all",
    )
    would_be = query(
        warehouse,
        "select business_unit, cost_center, billed_cost_reporting, effective_cost_reporting "
        f"from marts.fct_showback_monthly where billing_month = '{SEPTEMBER}' order by all",
    )
    assert booked == would_be
    # the September total moved by exactly the change and the correction (USD = reporting)
    closed_total, new_total = query(
        warehouse,
        "select sum(closed_billed_cost_reporting), sum(would_be_billed_cost_reporting) "
        f"from marts.fct_showback_restatements where billing_month = '{SEPTEMBER}'",
    )[0]
    assert new_total - closed_total == CHANGE + CORRECTION
    adjusted = query(
        warehouse,
        "select sum(billed_cost_reporting) from marts.fct_showback_monthly_with_adjustments "
        f"where row_type = 'adjustment' and adjusted_month = '{SEPTEMBER}'",
    )
    assert adjusted == [(CHANGE + CORRECTION,)]
    # the closed rows are the frozen ones, amount for amount
    frozen = query(
        warehouse,
        "select business_unit, cost_center, billed_cost_reporting from "
        f"closed.fct_showback_monthly where billing_month = '{SEPTEMBER}' order by all",
    )
    closed_rows = query(
        warehouse,
        "select business_unit, cost_center, billed_cost_reporting from "
        "marts.fct_showback_monthly_with_adjustments "
        f"where row_type = 'closed' and billing_month = '{SEPTEMBER}' order by all",
    )
    assert closed_rows == frozen


def test_reconciliation_adjustment_and_restatement_of_the_corrected_invoice(demo):
    warehouse = demo["warehouse"]
    restated = query(
        warehouse,
        "select closed_reconciliation_status, would_be_reconciliation_status, "
        "adjustment_billed_cost_billing, adjustment_invoice_total_billing, next_open_month "
        f"from marts.fct_reconciliation_restatements where billing_month = '{SEPTEMBER}' "
        "and is_restated",
    )
    assert [row[:4] for row in restated] == [("matched", "mismatch", CHANGE + CORRECTION, 0)]
    assert str(restated[0][4]) == "2026-10-01"
    adjustment = query(
        warehouse,
        "select billing_account_id, reconciliation_status, billed_cost_billing "
        "from marts.fct_month_end_reconciliation_with_adjustments where row_type = 'adjustment' "
        f"and adjusted_month = '{SEPTEMBER}' and billing_month = '2026-10-01'",
    )
    assert adjustment == [("aws-payer-001", "mismatch", CHANGE + CORRECTION)]
    # closed + adjustments = the September billing as now delivered, per currency
    booked = query(
        warehouse,
        "select billing_currency, sum(billed_cost_billing) "
        "from marts.fct_month_end_reconciliation_with_adjustments where "
        f"(row_type = 'closed' and billing_month = '{SEPTEMBER}') or (row_type = 'adjustment' "
        f"and adjusted_month = '{SEPTEMBER}') group by all order by all",
    )
    would_be = query(
        warehouse,
        "select billing_currency, sum(billed_cost_billing) from marts.fct_month_end_reconciliation "
        f"where billing_month = '{SEPTEMBER}' group by all order by all",
    )
    assert booked == would_be


def test_the_closed_figures_are_in_the_published_file(demo):
    published = demo["warehouse"].with_name("tbm.published.duckdb")
    for table in ("fct_allocated_costs", "fct_showback_monthly", "fct_month_end_reconciliation"):
        key = {
            "fct_allocated_costs": "closed_allocation",
            "fct_showback_monthly": "closed_showback",
            "fct_month_end_reconciliation": "closed_reconciliation",
        }[table]
        assert (
            query(published, f"select * from closed.{table} order by all")
            == (demo["after_close"][key])
        )
    assert query(published, "select billing_month, closed_by from closed.current_closes") == [
        (date(2026, 9, 1), "alice")
    ]


def test_the_publication_after_close_and_correction_equals_the_golden_digest(demo):
    """Row for row what this scenario published before the last change of the project's
    structure (tests/test_published_marts.py says how a deliberate change updates it)."""
    golden = json.loads((GOLDEN / "demo_closed_and_corrected.json").read_text())
    assert differences(digest(demo["published"]), golden) == []

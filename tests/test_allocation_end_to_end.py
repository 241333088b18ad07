"""The TBM allocation on generated data, through the `tbm` command, against independent figures.

The session's demo run (tests/demo.py: `tbm generate` then `tbm run` in subprocesses), read
only. Expected totals come from `tests/landing_reader.py` (csv/pyarrow + `decimal.Decimal`,
with its own day-weighted largest-remainder amortization of the invoice lines); nothing here
calls the code under test except through the command line.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.demo import mart_totals, query
from tests.landing_reader import (
    allocated_invoice_lines,
    allocation_totals_by_month_and_currency,
    amortize_by_days,
    minor_units,
)

pytestmark = pytest.mark.e2e
MAX_UNALLOCATED_SHARE = Decimal("0.05")


@pytest.fixture(scope="module")
def demo(demo_template) -> dict:
    return demo_template  # read only


def test_run_passes_every_gate_and_summarizes_the_allocation(demo):
    run = demo["run"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "pass  allocation" in run.stdout
    assert "FAIL" not in run.stdout
    assert "Published for BI (read-only)" in run.stdout
    for section in ("Allocation (marts.fct_allocated_costs", "top services", "business units"):
        assert section in run.stdout
    assert "no_mapping_rule" in run.stdout  # the unallocated reasons are named


def test_allocated_totals_equal_the_landing_files_per_month_and_currency(demo):
    """Conservation in the billing currency, straight from the landing files: billing rows of
    the current snapshots plus SaaS and vendor invoice lines (billed whole in their first
    month, effective amortized by days), to the last decimal."""
    expected = allocation_totals_by_month_and_currency(demo["landing"])
    assert mart_totals(demo["published"], "marts.fct_allocated_costs") == expected
    invoice_currencies = {line.currency for line in allocated_invoice_lines(demo["landing"])}
    assert invoice_currencies >= {"USD", "EUR", "GBP"}


def test_allocated_reporting_totals_equal_the_converted_charges_and_invoice_lines(demo):
    """Conservation in the reporting currency, per month: the converted charges plus each
    invoice line converted at its rate (recomputed here: amount x rate, 12 decimals) and
    amortized by days at the reporting currency's minor units."""
    warehouse = demo["warehouse"]
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for month, billed, effective in query(
        warehouse,
        "select billing_month, sum(billed_cost_reporting), sum(effective_cost_reporting) "
        "from intermediate.int_charges_converted_to_reporting_currency group by 1",
    ):
        expected[str(month)[:7]][0] += billed
        expected[str(month)[:7]][1] += effective
    rates = {
        (invoice_id, line_id): (rate, currency)
        for invoice_id, line_id, rate, currency in query(
            warehouse,
            "select invoice_id, invoice_line_id, fx_rate, reporting_currency "
            "from intermediate.int_invoice_lines_converted_to_reporting_currency",
        )
    }
    for line in allocated_invoice_lines(demo["landing"]):
        rate, reporting_currency = rates[(line.invoice_id, line.invoice_line_id)]
        amount = (line.amount * rate).quantize(Decimal("1e-12"), ROUND_HALF_UP)
        expected[line.service_period_start.strftime("%Y-%m")][0] += amount
        for month, part in amortize_by_days(
            amount,
            line.service_period_start,
            line.service_period_end,
            minor_units(reporting_currency),
        ).items():
            expected[month][1] += part
    actual = {
        str(month)[:7]: [billed, effective]
        for month, billed, effective in query(
            demo["published"],
            "select billing_month, sum(billed_cost_reporting), sum(effective_cost_reporting) "
            "from marts.fct_allocated_costs group by 1",
        )
    }
    assert actual == dict(expected)


def test_prepaid_licence_is_billed_once_and_amortized_by_days(demo):
    (licence,) = [
        line
        for line in allocated_invoice_lines(demo["landing"])
        if (line.service_period_end - line.service_period_start).days > 31
    ]
    months = query(
        demo["warehouse"],
        "select strftime(billing_month, '%Y-%m'), billed_cost_billing, effective_cost_billing "
        "from intermediate.int_invoice_lines_amortized_to_months "
        "where invoice_id = ? and invoice_line_id = ? order by 1",
        [licence.invoice_id, licence.invoice_line_id],
    )
    expected = amortize_by_days(
        licence.amount,
        licence.service_period_start,
        licence.service_period_end,
        minor_units(licence.currency),
    )
    assert {month: effective for month, _, effective in months} == expected
    assert len(expected) == 12 and sum(expected.values()) == licence.amount
    # the cash view keeps the whole licence in its first month
    assert [billed for _, billed, _ in months] == [licence.amount] + [Decimal(0)] * 11
    # every month of the licence is allocated: to services when the month has telemetry, else
    # visibly unallocated (no_driver_data), never dropped
    reasons = dict(
        query(
            demo["published"],
            "select strftime(billing_month, '%Y-%m'), "
            "string_agg(distinct coalesce(unallocated_reason, 'allocated'), ',') "
            "from marts.fct_allocated_costs where shared_pool_id = 'developer-seats' group by 1",
        )
    )
    assert set(reasons) == set(expected)
    assert reasons["2026-09"] == "allocated"
    assert reasons["2027-03"] == "no_driver_data"


def test_the_owner_change_splits_a_month_by_charge_date(demo):
    """search changes owner on 2026-09-15: its September charges dated before go to the old
    business unit, the others to the new one; shared parts follow the days of each owner."""
    rows = query(
        demo["published"],
        "select service_valid_from, business_unit, allocation_method, "
        "sum(effective_cost_billing) filter (where source_type = 'cloud' "
        "  and allocation_method = 'direct' and billing_currency = 'JPY') "
        "from marts.fct_allocated_costs where service_id = 'search' "
        "and billing_month = date '2026-09-01' group by 1, 2, 3",
    )
    units = {str(valid_from): unit for valid_from, unit, _, _ in rows}
    assert units == {"2020-01-01": "Digital Commerce", "2026-09-15": "Customer Experience"}
    assert {m for _, _, m, _ in rows} >= {"direct", "shared_telemetry", "shared_even"}
    direct = {str(v): cost for v, _, m, cost in rows if m == "direct"}
    by_date = dict(
        query(
            demo["warehouse"],
            "select c.charge_date >= date '2026-09-15', sum(c.effective_cost) "
            "from staging.stg_focus__charges as c "
            "join intermediate.int_charges_mapped_to_services as m using (charge_id) "
            "where m.service_id = 'search' and c.billing_month = date '2026-09-01' "
            "and c.billing_currency = 'JPY' group by 1",
        )
    )
    assert direct == {"2020-01-01": by_date[False], "2026-09-15": by_date[True]}
    showback = query(
        demo["published"],
        "select business_unit from marts.fct_showback_monthly "
        "where billing_month = date '2026-09-01' and cost_center in ('CC-1300', 'CC-2300')",
    )
    assert {unit for (unit,) in showback} == {"Digital Commerce", "Customer Experience"}


def test_every_row_names_its_method_and_rule_and_unallocated_is_explicit(demo):
    published = demo["published"]
    (bad,) = query(
        published,
        "select count(*) from marts.fct_allocated_costs where allocation_method is null "
        "or allocation_rule_id is null or service_id is null "
        "or (service_id = 'unallocated') <> (unallocated_reason is not null)",
    )[0]
    assert bad == 0
    methods = {
        m
        for (m,) in query(
            published, "select distinct allocation_method from marts.fct_allocated_costs"
        )
    }
    assert methods >= {
        "direct",
        "shared_telemetry",
        "shared_even",
        "shared_fixed",
        "shared_direct_cost",
        "central",
        "unallocated",
    }
    # unused commitments stay central (the default) on their own lines
    (idle,) = query(
        published,
        "select count(*) from marts.fct_allocated_costs "
        "where is_idle_cost and allocation_method = 'central'",
    )[0]
    assert idle > 0


def test_the_gate_measures_what_is_left_unallocated_after_allocation(demo):
    published = demo["published"]
    measured = {
        str(month)[:7]: (share, unallocated, allocated)
        for month, share, unallocated, allocated in query(
            published,
            "select billing_month, unallocated_share, unallocated_effective_cost_reporting, "
            "allocated_effective_cost_reporting from quality.qa_billing_monthly",
        )
    }
    recomputed = {
        str(month)[:7]: (unallocated, allocated)
        for month, unallocated, allocated in query(
            published,
            "select billing_month, sum(effective_cost_reporting) filter "
            "(where service_id = 'unallocated'), sum(effective_cost_reporting) "
            "from marts.fct_allocated_costs group by 1",
        )
    }
    assert len(measured) == 3
    for month, (share, unallocated, allocated) in measured.items():
        assert (unallocated, allocated) == recomputed[month]
        assert share == (unallocated / allocated).quantize(Decimal("1e-10"), ROUND_HALF_UP)
        assert 0 < share <= MAX_UNALLOCATED_SHARE

"""`tbm export-focus`: the demo billing as a FOCUS 1.2 Cost and Usage dataset.

The FinOps Foundation's focus-validator 2.2.1 checks the export. It needs Python 3.12 and lives in
its own environment (.tools/focus-validator, made by `bash scripts/focus-validator-env`, which
`bash scripts/dev test` runs first); without it the validator test skips and says why.

Known upstream artifact: in validator 2.2.1 (rule model 1.2.0.1) the two InvoiceId nullability
rules InvoiceId-C-004-C ("MUST be null") and InvoiceId-C-005-C ("MUST NOT be null") have lost
their conditions, so each is run against every row and a non-empty dataset always fails one of
them; their parent rule InvoiceId-C-003-C (the OR of the two) passes. Every dataset with invoice
ids reports InvoiceId-C-004-C (FOCUS_Spec issue #2394). The test accepts that one rule, only
while its parent passes, and fails on any other.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.focus import columns_for_version
from orchestration.lib.focus_export import UNIT_REWRITES, _unit_expression
from tests.demo import copy_demo, tbm

PROJECT = Path(__file__).resolve().parents[1]
VALIDATOR = Path(
    os.environ.get(
        "TBM_FOCUS_VALIDATOR", PROJECT / ".tools" / "focus-validator" / "bin" / "focus-validator"
    )
)
# see the module docstring: the one rule validator 2.2.1 fails on any dataset with invoice ids
VALIDATOR_ARTIFACTS = {"InvoiceId-C-004-C"}


def test_units_are_rewritten_to_the_focus_unit_format():
    con = duckdb.connect()
    expression = _unit_expression("unit")
    cases = {
        "GB-Mo": "GB-Months",
        "GiB-Mo": "GiB-Months",
        "1K Output Tokens": "1000 Output Tokens",
        "1M Read Request Units": "1000000 Read Request Units",
        "100 RU/s Hours": "100 RU Per Second Hours",
        "1/Month": "Units/Month",
        "Hours": "Hours",
        "GB-Seconds": "GB-Seconds",
    }
    for unit, expected in cases.items():
        assert (
            con.execute(f"select {expression} from (select ? as unit)", [unit]).fetchone()[0]
            == expected
        ), (unit, UNIT_REWRITES)
    assert con.execute(f"select {expression} from (select null as unit)").fetchone()[0] is None


@pytest.fixture(scope="module")
def exported(demo_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("focus")
    warehouse = copy_demo(demo_template, root)["warehouse"]
    run = demo_template["run"]
    assert run.returncode == 0, run.stdout + run.stderr
    out = root / "export" / "focus.parquet"
    export = tbm("export-focus", "--out", str(out), "--warehouse", str(warehouse))
    assert export.returncode == 0, export.stdout + export.stderr
    month = root / "export" / "focus_2026-09.parquet"
    export_month = tbm(
        "export-focus", "--out", str(month), "--month", "2026-09", "--warehouse", str(warehouse)
    )
    assert export_month.returncode == 0, export_month.stdout + export_month.stderr
    return {
        "root": root,
        "warehouse": warehouse,
        "out": out,
        "month": month,
        "stdout": export.stdout,
    }


def test_the_export_has_the_focus_columns_types_and_real_nulls(exported):
    con = duckdb.connect()
    schema = con.execute(
        "describe select * from read_parquet(?)", [str(exported["out"])]
    ).fetchall()
    names = [name for name, *_ in schema]
    types = {name: kind for name, kind, *_ in schema}
    focus = columns_for_version("1.2")
    assert len(focus) == 57
    assert names[: len(focus)] == focus
    assert all(name.startswith("x_") for name in names[len(focus) :])
    assert {"x_ServiceId", "x_BusinessUnit", "x_ReportingCurrencyEffectiveCost"} <= set(names)
    for column in (
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargePeriodStart",
        "ChargePeriodEnd",
    ):
        assert types[column] == "TIMESTAMP WITH TIME ZONE", column
    for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity"):
        assert types[column].startswith("DECIMAL"), column
    nulls = con.execute(
        "select count(*) filter (where ChargeClass is null), "
        "count(*) filter (where ChargeClass in ('', 'null', 'NULL')), "
        "count(*) filter (where InvoiceId is null), "
        "count(*) filter (where ContractedCost is null), "
        "count(*) filter (where BillingAccountType is null), count(*) "
        "from read_parquet(?)",
        [str(exported["out"])],
    ).fetchone()
    class_null, class_text_null, invoice_null, contracted_null, account_type_null, rows = nulls
    assert class_null == rows and class_text_null == 0  # no corrections in the demo
    assert (invoice_null, contracted_null, account_type_null) == (0, 0, 0)


def test_the_export_adds_up_to_the_marts(exported):
    con = duckdb.connect()
    con.execute("attach ? as wh (read_only)", [str(exported["warehouse"])])
    exported_totals = con.execute(
        "select strftime(BillingPeriodStart, '%Y-%m'), BillingCurrency, sum(BilledCost), "
        "sum(EffectiveCost), sum(x_ReportingCurrencyEffectiveCost) "
        "from read_parquet(?) group by all order by all",
        [str(exported["out"])],
    ).fetchall()
    mart_totals = con.execute(
        "select strftime(billing_month, '%Y-%m'), billing_currency, sum(billed_cost_billing), "
        "sum(effective_cost_billing), sum(effective_cost_reporting) "
        "from wh.marts.fct_cost_by_service_monthly group by all order by all"
    ).fetchall()
    assert exported_totals == mart_totals
    services = con.execute(
        "select count(*) filter (where x_ServiceId is null), "
        "count(*) filter (where x_ServiceId <> 'unallocated' and x_BusinessUnit is null) "
        "from read_parquet(?)",
        [str(exported["out"])],
    ).fetchone()
    assert services == (0, 0)
    month = con.execute(
        "select distinct strftime(BillingPeriodStart, '%Y-%m') from read_parquet(?)",
        [str(exported["month"])],
    ).fetchall()
    assert month == [("2026-09",)]
    assert Decimal(0) < sum(row[2] for row in exported_totals)


def _validator_working_dir(tmp_path: Path) -> Path:
    """focus-validator opens `focus_validator/rules/currency_codes.csv` relative to the working
    directory: give it one that holds a copy of the file its package ships."""
    venv = VALIDATOR.parent.parent
    shipped = glob.glob(
        str(
            venv / "lib" / "python3*" / "site-packages" / "focus_validator/rules/currency_codes.csv"
        )
    )
    assert shipped, f"no currency_codes.csv in {venv}"
    rules = tmp_path / "focus_validator" / "rules"
    rules.mkdir(parents=True)
    shutil.copy(shipped[0], rules / "currency_codes.csv")
    return tmp_path


def test_focus_validator_passes_the_export_of_the_demo_data(exported, tmp_path, record_property):
    if not VALIDATOR.exists():
        pytest.skip(
            f"focus-validator not installed at {VALIDATOR}: it needs Python 3.12; run "
            "`bash scripts/focus-validator-env` (bash scripts/dev test does) or set "
            "TBM_FOCUS_VALIDATOR"
        )
    result = subprocess.run(
        [
            str(VALIDATOR),
            "--data-file",
            str(exported["out"]),
            "--validate-version",
            "1.2",
            "--block-download",
        ],
        cwd=_validator_working_dir(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    summary = re.search(r"Total: \d+ \| Pass: \d+ \| Fail: (\d+) \| Skipped: \d+", output)
    assert summary, output[-3000:]
    failed = set(re.findall(r"^- ([A-Za-z]+-[A-Z]-\d{3}-[A-Z]): ", output, re.MULTILINE))
    record_property("focus_validator", summary.group(0))
    print(f"\nfocus-validator 2.2.1 --validate-version 1.2: {summary.group(0)}")
    print(f"failed rules: {sorted(failed) or 'none'}")
    assert int(summary.group(1)) == len(failed), output[-3000:]
    unexpected = failed - VALIDATOR_ARTIFACTS
    assert not unexpected, f"{summary.group(0)}; unexpected failed rules {sorted(unexpected)}"
    if failed:
        # the artifact is tolerated only while the rule it belongs to passes
        assert "InvoiceId-C-003-C: PASS" in output, output[-3000:]

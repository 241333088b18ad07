"""Real exports of the big providers (tests/fixtures/providers, README there): each loads exactly,
its known deviations from FOCUS are warnings that name them, and a run on all four publishes when
the organisation folder maps their accounts. A landing folder whose only billing file is rejected
gets a verdict and exit code 7, and nothing is built or published.

Expected totals are exact Decimal sums of the files, read by tests/landing_reader.py, of each
value as the warehouse keeps it (12 decimals, rounded half-even: `stored_amount`); the amounts
delivered with more decimals (Microsoft's 28) are recorded with their exact difference.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from decimal import Context, Decimal, localcontext
from pathlib import Path

import pytest

from orchestration.pipeline.load import load_extract, no_billing_verdict
from tests.demo import query, tbm
from tests.landing_reader import billing_files, read_records, stored_amount, untypeable_reason
from tests.real_exports import FIXTURES, PROVIDERS, provider_landing

EXIT_OK, EXIT_NO_BILLING = 0, 7


def file_totals(landing: Path) -> dict[tuple[str, str], tuple[Decimal, Decimal, int]]:
    """(file, currency) -> (billed, effective, rows): exact sums of every row of the files, each
    value as stored (rounded half-even to 12 decimals)."""
    totals: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for path in billing_files(landing):
        for record in read_records(landing, path):
            assert untypeable_reason(record.values) is None, (record.path, record.line)
            acc = totals[(record.path, record.values["BillingCurrency"])]
            acc[0] += stored_amount(record.values["BilledCost"])
            acc[1] += stored_amount(record.values["EffectiveCost"])
            acc[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


def rounding_differences(landing: Path) -> dict[tuple[str, str, str], tuple[int, Decimal]]:
    """(file, currency, column) -> (amounts, delivered sum - stored sum) of the cost columns
    whose delivered text carries digits beyond the 12th decimal, exact."""
    found: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    with localcontext(Context(prec=100)):
        for path in billing_files(landing):
            for record in read_records(landing, path):
                for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
                    text = record.values.get(column)
                    if text is None or Decimal(text) == stored_amount(text):
                        continue
                    acc = found[(record.path, record.values["BillingCurrency"], column)]
                    acc[0] += 1
                    acc[1] += Decimal(text) - stored_amount(text)
    return {k: (v[0], v[1]) for k, v in found.items()}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_export_loads_every_row_exactly(provider, tmp_path, con):
    landing = provider_landing(tmp_path, provider)
    (result,) = load_extract(con, landing, "billing", "run-1")
    expected = file_totals(landing)
    assert result.status == "loaded", result.message
    assert result.rows_quarantined == 0
    assert result.rows_loaded == sum(rows for _, _, rows in expected.values())
    loaded = con.execute(
        "select l.path, b.BillingCurrency, sum(b.BilledCost), sum(b.EffectiveCost), count(*) "
        "from raw.billing as b join raw.load_log as l on b._file_id = l.file_id "
        "group by all order by all"
    ).fetchall()
    assert {(p, c): (b, e, n) for p, c, b, e, n in loaded} == expected


def test_provider_columns_are_kept_with_their_names_and_values(tmp_path, con):
    landing = provider_landing(tmp_path, "oracle", "microsoft")
    load_extract(con, landing, "billing", "run-1")
    extras = [
        json.loads(extra)
        for (extra,) in con.execute(
            "select _extra_columns from raw.billing order by _file_id, _line"
        ).fetchall()
    ]
    records = [r.values for p in billing_files(landing) for r in read_records(landing, p)]
    for extra, values in zip(extras, records, strict=True):
        provider_columns = {k: v for k, v in values.items() if k.startswith(("x_", "oci_"))}
        assert provider_columns and {k: extra.get(k) for k in provider_columns} == {
            k: v for k, v in provider_columns.items()
        }


def test_no_billing_verdict_names_each_file_and_its_reason(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / "billing").mkdir(parents=True)
    assert no_billing_verdict(con, landing) == (
        f"no billing data loaded: no billing file in {landing / 'billing'}"
    )
    (landing / "billing" / "resaved.csv").write_text("BilledCost;BillingCurrency\n2.50;EUR\n")
    (landing / "billing" / "empty.csv").write_text(
        (FIXTURES / "aws" / "focus-1-2-with-aws-columns-2024-09.csv").read_text().splitlines()[0]
        + "\n"
    )
    load_extract(con, landing, "billing", "run-1")
    verdict = no_billing_verdict(con, landing)
    assert verdict.startswith("no billing data loaded: billing/empty.csv: no data rows; ")
    assert "billing/resaved.csv: rejected: unreadable file: the header is one column" in verdict
    shutil.copytree(FIXTURES / "oracle", landing / "billing" / "oracle")
    load_extract(con, landing, "billing", "run-2")
    assert no_billing_verdict(con, landing) is None


def test_the_28_decimal_amounts_of_microsoft_s_export_are_rounded_and_recorded(tmp_path, con):
    landing = provider_landing(tmp_path, "microsoft")
    (result,) = load_extract(con, landing, "billing", "run-1")
    expected = rounding_differences(landing)
    assert result.amounts_rounded == sum(n for n, _ in expected.values()) == 3
    recorded = con.execute(
        "select l.path, b.BillingCurrency, r.column_name, count(*), sum(r.rounding_difference) "
        "from raw.rounded_amounts as r join raw.load_log as l on r.file_id = l.file_id "
        "join raw.billing as b on b._file_id = r.file_id and b._line = r.line group by all"
    ).fetchall()
    assert {(p, c, col): (n, d) for p, c, col, n, d in recorded} == expected
    # delivered = stored + recorded difference, to the last digit
    ((stored,),) = con.execute("select sum(BilledCost) from raw.billing").fetchall()
    ((_, difference),) = [v for (_, _, col), v in expected.items() if col == "BilledCost"]
    with localcontext(Context(prec=100)):
        delivered = sum(
            Decimal(r.values["BilledCost"])
            for p in billing_files(landing)
            for r in read_records(landing, p)
        )
        assert delivered == stored + difference != stored


def _rounding_deviation(landing: Path, provider_file: str) -> str:
    """The deviation named for a file's rounded amounts, from the file's texts."""
    found = {
        (column, currency): difference
        for (path, currency, column), (_, difference) in rounding_differences(landing).items()
        if path == provider_file
    }
    count = sum(
        n for (p, *_), (n, _) in rounding_differences(landing).items() if p == provider_file
    )
    parts = ", ".join(
        f"{format(difference, 'f')} {currency} in {column}"
        for (column, currency), difference in sorted(found.items())
    )
    return (
        f"{count} amounts carried more than 12 decimals; rounded half-even to 12 "
        f"(difference {parts})"
    )


# --------------------------------------------------------------------------------------------
# End to end: `tbm run` on the four exports, and on a landing folder without billing
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exports_run(real_exports_template) -> dict:
    return real_exports_template


@pytest.mark.e2e
def test_a_run_on_the_four_exports_publishes_with_their_deviations_as_warnings(exports_run):
    run = exports_run["run"]
    output = run.stdout + run.stderr
    assert run.returncode == EXIT_OK, output
    assert "Traceback" not in output and " - ERROR - " not in output
    for gate in ("raw_billing", "raw_billing_formats", "currency", "allocation", "freshness"):
        assert f"pass  {gate}" in run.stdout, run.stdout
    assert "warn  raw_billing_deviations" in run.stdout
    # each deviation named, with its provider and file
    for expected in (
        "2024-09-01 Microsoft billing/microsoft/focus-cost-2024-09.csv: FOCUS columns of the "
        "file's version the provider does not deliver (null in every row): observed 1, "
        "limit = 0 (missing_columns: ServiceSubcategory)",
        "2024-09-01 Oracle billing/oracle/oci-focus-report-2024-09.csv: FOCUS columns of the "
        "file's version the provider does not deliver (null in every row): observed 1, "
        "limit = 0 (missing_columns: ContractedCost)",
        "2024-09-01 AWS billing/aws/focus-1-2-with-aws-columns-2024-09.csv: charges with a "
        "PricingUnit or ConsumedUnit outside the FOCUS unit format: observed 1, limit = 0 "
        "(sample_unit_outside_format: GB-Mo (FOCUS: GB-Months))",
        "2024-09-01 Microsoft billing/microsoft/focus-cost-2024-09.csv: charges with a "
        "PricingUnit or ConsumedUnit outside the FOCUS unit format: observed 1, limit = 0 "
        "(sample_unit_outside_format: 10K Transactions (FOCUS: 10000 Transactions))",
        "2024-09-01 Google Cloud billing/google/focus-view-2024-09.csv: charges outside their "
        "billing period (not corrections): observed 1, limit = 0",
        "2024-09-01 Microsoft billing/microsoft/focus-cost-2024-09.csv: amounts delivered with "
        "more than 12 decimals, rounded half-even to 12: observed 3, limit = 0",
    ):
        assert expected in run.stdout, run.stdout


@pytest.mark.e2e
def test_the_staged_totals_equal_the_files(exports_run):
    assert exports_run["run"].returncode == EXIT_OK
    staged = query(
        exports_run["warehouse"],
        "select l.path, c.billing_currency, sum(c.billed_cost), sum(c.effective_cost), "
        "count(*) from staging.stg_focus__charges as c "
        "join raw.load_log as l on c.source_file_id = l.file_id group by all",
    )
    expected = file_totals(exports_run["landing"])
    assert {(p, c): (b, e, n) for p, c, b, e, n in staged} == expected
    # and what the rounding to 12 decimals left out is recorded, exactly
    recorded = query(
        exports_run["warehouse"],
        "select l.path, c.billing_currency, r.source_column_name, count(*), "
        "sum(r.rounding_difference) from staging.stg_load__rounded_amounts as r "
        "join raw.load_log as l on r.source_file_id = l.file_id "
        "join staging.stg_focus__charges as c on c.source_file_id = r.source_file_id "
        "and c.source_line = r.source_line group by all",
    )
    assert {(p, c, col): (n, d) for p, c, col, n, d in recorded} == rounding_differences(
        exports_run["landing"]
    )


@pytest.mark.e2e
def test_the_deviations_are_published_per_file_and_provider(exports_run):
    published = exports_run["warehouse"].with_suffix(".published.duckdb")
    rows = query(
        published,
        "select provider_name, deviations from quality.qa_billing_deviations order by 1",
    )
    assert rows == [
        ("AWS", "units outside the FOCUS unit format: 1 charge(s)"),
        ("Google Cloud", "charged outside the billing period: 1 charge(s)"),
        (
            "Microsoft",
            "not delivered: ServiceSubcategory; units outside the FOCUS unit format: 1 charge(s); "
            + _rounding_deviation(
                exports_run["landing"], "billing/microsoft/focus-cost-2024-09.csv"
            ),
        ),
        ("Oracle", "not delivered: ContractedCost"),
    ]
    # the partial month of a history load is not judged by hours
    freshness = query(
        published,
        "select provider_name, age_hours, judged_age_hours, freshness_rule "
        "from quality.qa_billing_freshness order by 1",
    )
    assert ("Google Cloud", 264, None, "closed periods: data in the newest billing month") in (
        freshness
    )


@pytest.mark.e2e
def test_a_landing_folder_with_only_a_rejected_billing_file_says_so_and_exits_7(tmp_path):
    landing = tmp_path / "landing"
    (landing / "billing").mkdir(parents=True)
    # a FOCUS export opened and saved again with a semicolon list separator
    source = (FIXTURES / "aws" / "focus-1-2-with-aws-columns-2024-09.csv").read_text()
    (landing / "billing" / "export_resaved.csv").write_text(source.replace(",", ";"))
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    run = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse))
    output = run.stdout + run.stderr
    assert run.returncode == EXIT_NO_BILLING, output
    assert (
        "no billing data loaded: billing/export_resaved.csv: rejected: unreadable file: the "
        "header is one column" in run.stdout
    )
    assert "the file is not comma-separated" in run.stdout
    assert "Traceback" not in output and "NOT NULL" not in output
    assert not warehouse.with_suffix(".published.duckdb").exists()
    # nothing was built: no dbt model in the warehouse
    assert query(
        warehouse,
        "select count(*) from information_schema.tables "
        "where table_schema in ('staging', 'marts', 'quality')",
    ) == [(0,)]

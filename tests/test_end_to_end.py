"""The whole graph on generated data, through the `tbm` command, against independent figures.

Expected values come from `tests/landing_reader.py`, which reads the landing files with the csv and
pyarrow modules and adds them up with `decimal.Decimal`; nothing here calls the code under test
except through the command line.
"""

from __future__ import annotations

import pytest

from tests.demo import DEMO_ROWS, copy_demo, mart_totals, query, tbm
from tests.landing_reader import (
    billing_files,
    current_snapshot_rows,
    read_records,
    totals_by_month_and_currency,
    untypeable_reason,
)

pytestmark = pytest.mark.e2e
EXIT_GATE_FAILED = 3


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory) -> dict:
    demo = copy_demo(demo_template, tmp_path_factory.mktemp("e2e"))
    warehouse = demo["warehouse"]
    snapshot = {
        "mart": query(warehouse, "select * from marts.fct_cost_by_service_monthly order by all"),
        "raw_rows": query(warehouse, "select count(*) from raw.billing")[0][0],
        "log_rows": query(warehouse, "select count(*) from raw.load_log")[0][0],
    }
    return {**demo, "first": demo["run"], "snapshot": snapshot}


def test_demo_run_passes_every_gate_and_publishes(demo):
    first = demo["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Published for BI (read-only)" in first.stdout
    for gate in ("raw_billing", "currency", "allocation"):
        assert f"pass  {gate}" in first.stdout
    published = demo["warehouse"].with_name("tbm.published.duckdb")
    assert query(published, "select count(*) from marts.fct_cost_by_service_monthly")[0][0] > 0


def test_every_billing_row_is_accounted_for_per_file(demo):
    landing, warehouse = demo["landing"], demo["warehouse"]
    log = {
        path: (read, loaded, quarantined)
        for path, read, loaded, quarantined in query(
            warehouse,
            "select path, rows_read, rows_loaded, rows_quarantined from raw.load_log "
            "where extract_kind = 'billing'",
        )
    }
    staged = dict(
        query(
            warehouse,
            "select l.path, count(*) from staging.stg_focus__charges as c "
            "join raw.load_log as l on l.file_id = c.source_file_id group by 1",
        )
    )
    current, _ = current_snapshot_rows(landing)
    current_per_file: dict[str, int] = {}
    for r in current:
        current_per_file[r.path] = current_per_file.get(r.path, 0) + 1
    for path in billing_files(landing):
        rel = path.relative_to(landing).as_posix()
        records = list(read_records(landing, path))
        bad = sum(1 for r in records if untypeable_reason(r.values))
        read, loaded, quarantined = log[rel]
        assert (read, loaded, quarantined) == (len(records), len(records) - bad, bad), rel
        # staged = the rows of the file that are still the current snapshot of their key
        assert staged.get(rel, 0) == current_per_file.get(rel, 0), rel
    assert sum(staged.values()) == len(current)


def test_mart_totals_equal_the_landing_files_exactly(demo):
    current, _ = current_snapshot_rows(demo["landing"])
    expected = totals_by_month_and_currency(current)
    assert mart_totals(demo["warehouse"], "marts.fct_cost_by_service_monthly") == expected
    assert {ccy for _, ccy in expected} >= {"USD", "EUR", "JPY"}
    assert len({month for month, _ in expected}) >= 3


def test_a_second_run_loads_nothing_and_changes_no_total(demo, demo_rerun):
    again = demo_rerun["run"]
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no new files" in again.stdout
    warehouse = demo_rerun["warehouse"]
    assert (
        query(warehouse, "select count(*) from raw.billing")[0][0] == demo["snapshot"]["raw_rows"]
    )
    assert (
        query(warehouse, "select count(*) from raw.load_log")[0][0] == demo["snapshot"]["log_rows"]
    )
    mart = query(warehouse, "select * from marts.fct_cost_by_service_monthly order by all")
    assert mart == demo["snapshot"]["mart"]


def test_bad_rows_are_quarantined_and_a_failed_gate_keeps_the_previous_publication(
    demo_template, tmp_path
):
    case = copy_demo(demo_template, tmp_path)
    landing, warehouse, published = case["landing"], case["warehouse"], case["published"]
    before = query(published, "select * from marts.fct_cost_by_service_monthly order by all")

    gen = tbm(
        "generate",
        "--landing",
        str(landing),
        "--rows",
        str(DEMO_ROWS),
        "--inject-errors",
        cwd=tmp_path,
    )
    assert gen.returncode == 0, gen.stderr
    bad_files = [p for p in billing_files(landing) if "bad_rows" in p.name]
    assert len(bad_files) == 1
    bad_rel = bad_files[0].relative_to(landing).as_posix()
    records = list(read_records(landing, bad_files[0]))
    expected_bad = {r.line for r in records if untypeable_reason(r.values)}
    assert len(expected_bad) == 4

    result = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse), cwd=tmp_path)
    assert result.returncode == EXIT_GATE_FAILED, result.stdout + result.stderr
    quarantined = query(
        warehouse, "select line, column_name, reason from raw.quarantine where path = ?", [bad_rel]
    )
    assert {line for line, _, _ in quarantined} == expected_bad
    assert all(reason for _, _, reason in quarantined)
    # the typed rows that break a rule are staged, flagged and counted, not dropped
    flagged = query(
        warehouse,
        "select count(*) filter (where is_unknown_currency), "
        "count(*) filter (where has_null_contracted_cost), "
        "count(*) filter (where has_enum_case_error) "
        "from staging.stg_focus__charges as c join raw.load_log as l "
        "on l.file_id = c.source_file_id where l.path = ?",
        [bad_rel],
    )[0]
    assert all(n >= 1 for n in flagged), flagged
    assert "FAIL  currency" in result.stdout
    assert "unknown ISO 4217 currency code: observed 1" in result.stdout
    assert "NOT published" in result.stdout
    after = query(published, "select * from marts.fct_cost_by_service_monthly order by all")
    assert after == before

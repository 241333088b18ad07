"""Incremental by billing month: an incremental build equals a full refresh, row for row.

The session's demo run (three months, tests/demo.py) -> land a fourth month and a re-delivered
first month (one charge +100.00 USD) -> `tbm run` (incremental: the charge-level models rebuild
only the new and the re-delivered month) -> copy the warehouse -> `tbm run --full-refresh` on the
copy (every month rebuilt from raw). Every row of every mart, quality table and incremental model
must be equal. The second run must leave the untouched months' rows as the first run built them.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.demo import (
    DEMO_ROWS,
    copy_demo,
    dbt_on,
    open_warehouse,
    query,
    redeliver_aws_export,
    tbm,
)

pytestmark = pytest.mark.e2e
INCREMENTAL_MODELS = (
    "staging.stg_focus__charges",
    "staging.stg_focus__tag_texts",
    "intermediate.int_charges_converted_to_reporting_currency",
    "intermediate.int_charges_mapped_to_services",
    "intermediate.int_charges_summed_for_allocation_and_checks",
    "intermediate.int_charges_grouped_for_allocation",
    "intermediate.int_billing_lines_totaled_by_invoice",
    "intermediate.int_charges_checked_by_account_and_month",
    "intermediate.int_cluster_node_charges_summed_by_billing_month",
)
# depend on the invocation, not on the data: when the row was built, the gate history of runs,
# and the allocation latency metric (hours from the data's arrival to its publication, which
# the build that first publishes it stands for by its own time)
VOLATILE_COLUMNS = {"month_built_at"}
VOLATILE_TABLES = {"marts.fct_data_quality"}
VOLATILE_ROWS = {"marts.fct_tbm_metrics_monthly": "metric_name <> 'allocation_latency_hours'"}
# A warehouse upgraded across a model's removal: its relations are left in the schemas dbt owns,
# and one table of the operator's in a schema the orchestration owns.
RETIRED = {
    "staging.stg_focus__charge_tags": "create table staging.stg_focus__charge_tags as "
    "select 'c1' as charge_id, 'team' as tag_key",
    "intermediate.int_charge_tags_masked": "create view intermediate.int_charge_tags_masked as "
    "select * from staging.stg_focus__charge_tags",
    "seeds.retired_seed": "create table seeds.retired_seed as select 1 as id",
}
OPERATORS = {"audit.operator_notes": "create table audit.operator_notes as select 1 as id"}


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('marts', 'quality') order by 1"
    ).fetchall()
    return [name for (name,) in rows if name not in VOLATILE_TABLES] + list(INCREMENTAL_MODELS)


def contents(warehouse: Path) -> dict[str, list[tuple]]:
    with open_warehouse(warehouse) as con:
        result = {}
        for table in tables(con):
            schema, name = table.split(".")
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if c not in VOLATILE_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            where = VOLATILE_ROWS.get(table, "true")
            result[table] = con.execute(
                f"select {select} from {table} where {where} order by all"
            ).fetchall()
        return result


def relations(warehouse: Path) -> set[str]:
    return {
        name
        for (name,) in query(
            warehouse,
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = current_database()",
        )
    }


def land_month_and_redelivery(landing: Path, root: Path) -> None:
    extra = root / "extra"
    gen = tbm(
        "generate",
        "--landing",
        str(extra),
        "--rows",
        str(DEMO_ROWS // 3),
        "--months",
        "1",
        "--start-month",
        "2026-11",
        "--seed",
        "8",
    )
    assert gen.returncode == 0, gen.stderr
    for kind in extra.iterdir():
        shutil.move(str(kind), str(landing / kind.name / "added-2026-11"))

    def add_to_the_first_usage_line(rows: list[dict]) -> None:
        usage = next(row for row in rows if row["ChargeCategory"] == "Usage")
        usage["BilledCost"] = str(Decimal(usage["BilledCost"]) + Decimal("100.00"))

    redeliver_aws_export(landing, "2026-08", "redelivered", add_to_the_first_usage_line)


def built_at_by_month(warehouse: Path) -> dict[str, set]:
    with open_warehouse(warehouse) as con:
        return {
            str(month)[:7]: set(stamps)
            for month, stamps in con.execute(
                "select billing_month, list(distinct month_built_at) "
                "from staging.stg_focus__charges group by 1"
            ).fetchall()
        }


# What a generic data test reads (macros/month_incremental.sql get_where_subquery) on an
# incremental model, on the compare side of a two-model test, and on a table rebuilt whole:
# (side, billing month, rows), by dbt itself on the warehouse of the incremental run.
TESTED_ROWS_SQL = """
select 'stg' as side, billing_month, count(*) as row_count
from {{ get_where_subquery(ref('stg_focus__charges')) }} group by all
union all
select 'compare', billing_month, count(*)
from {{ months_tested_in(
    get_where_subquery(ref('int_charges_converted_to_reporting_currency')),
    ref('stg_focus__charges')
) }} group by all
union all
select 'whole', billing_month, count(*)
from {{ get_where_subquery(ref('fct_allocated_costs')) }} group by all
"""


def rows_data_tests_read(warehouse: Path, target: Path) -> dict[str, dict[str, int]]:
    result = dbt_on(
        warehouse,
        *("show", "--inline", TESTED_ROWS_SQL, "--limit", "1000"),
        *("--output", "json", "--log-format", "json"),
        target_path=target,
        env={"TBM_DUCKDB_TEMP_DIR": str(target)},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    shown: dict[str, dict[str, int]] = {}
    for line in result.stdout.splitlines():
        preview = json.loads(line).get("data", {}).get("preview")
        for row in json.loads(preview) if preview else []:
            shown.setdefault(row["side"], {})[row["billing_month"][:7]] = row["row_count"]
    return shown


@pytest.fixture(scope="module")
def builds(demo_template, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    demo = copy_demo(demo_template, root)
    landing, warehouse, first = demo["landing"], demo["warehouse"], demo["run"]
    assert first.returncode == 0, first.stdout + first.stderr
    built_first = built_at_by_month(warehouse)
    land_month_and_redelivery(landing, root)
    with duckdb.connect(str(warehouse)) as con:
        for ddl in {**RETIRED, **OPERATORS}.values():
            con.execute(ddl)
    relations_before = relations(warehouse)
    second = tbm("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert second.returncode == 0, second.stdout + second.stderr
    relations_after = relations(warehouse)
    built_second = built_at_by_month(warehouse)
    tested = rows_data_tests_read(warehouse, root / "show")
    copy = root / "full" / "tbm.duckdb"
    copy.parent.mkdir()
    shutil.copy(warehouse, copy)
    full = tbm("run", "--landing", str(landing), "--warehouse", str(copy), "--full-refresh")
    assert full.returncode == 0, full.stdout + full.stderr
    return {
        "incremental": contents(warehouse),
        "full": contents(copy),
        "built_first": built_first,
        "built_second": built_second,
        "built_full": built_at_by_month(copy),
        "relations_before": relations_before,
        "relations_after": relations_after,
        "tested": tested,
        "charges_by_month": dict(
            query(
                warehouse,
                "select strftime(billing_month, '%Y-%m'), count(*) "
                "from staging.stg_focus__charges group by 1",
            )
        ),
    }


def test_only_the_new_and_the_redelivered_month_were_rebuilt(builds):
    first, second = builds["built_first"], builds["built_second"]
    assert set(first) == {"2026-08", "2026-09", "2026-10"}
    assert set(second) == {"2026-08", "2026-09", "2026-10", "2026-11"}
    assert second["2026-09"] == first["2026-09"]  # untouched: not recomputed
    assert second["2026-10"] == first["2026-10"]
    assert second["2026-08"] != first["2026-08"]  # re-delivered
    assert len(second["2026-11"]) == 1 and second["2026-11"] == second["2026-08"]
    # the full refresh rebuilt all four in one invocation
    assert len(set().union(*builds["built_full"].values())) == 1


def test_incremental_equals_full_refresh_row_for_row(builds):
    incremental, full = builds["incremental"], builds["full"]
    assert set(incremental) == set(full)
    assert "marts.fct_allocated_costs" in incremental
    for table in sorted(full):
        assert incremental[table] == full[table], table
    # the re-delivered charge is in: +100.00 USD in August against the first run's figures
    assert any(rows for rows in incremental.values())


def test_the_relations_of_removed_models_are_dropped_and_nothing_else(builds):
    before, after = builds["relations_before"], builds["relations_after"]
    assert set(RETIRED) <= before
    assert not set(RETIRED) & after
    # every other relation is still there (the second run added the ones a new month needs)
    assert before - set(RETIRED) <= after
    assert set(OPERATORS) <= after


def test_a_changed_reporting_currency_rebuilds_every_month(demo_template, tmp_path):
    """The data of no month changed, so the incremental filter alone would keep the USD rows
    of every month; the project fingerprint sees the new setting and rebuilds them all."""
    demo = copy_demo(demo_template, tmp_path)
    warehouse = demo["warehouse"]
    before = built_at_by_month(warehouse)
    run = tbm(
        "run",
        "--landing",
        str(demo["landing"]),
        "--warehouse",
        str(warehouse),
        env={"TBM_REPORTING_CURRENCY": "EUR"},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    after = built_at_by_month(warehouse)
    assert set(after) == set(before) == {"2026-08", "2026-09", "2026-10"}
    assert len(set().union(*after.values())) == 1  # every month, in this one build
    assert not set().union(*after.values()) & set().union(*before.values())
    with open_warehouse(warehouse) as con:
        currencies = con.execute(
            "select distinct reporting_currency from marts.fct_cost_by_service_monthly"
        ).fetchall()
        builds = con.execute("select count(distinct fingerprint) from audit.dbt_builds").fetchone()
    assert currencies == [("EUR",)]
    assert builds == (2,)


def test_data_tests_of_an_incremental_build_read_the_months_it_rebuilt(builds):
    """The second build rebuilt August (re-delivered) and November (new): the data tests of the
    incremental models read those two months whole, and nothing of September or October; the
    compare side of a two-model test the same months; a table rebuilt whole, every month."""
    charges, tested = builds["charges_by_month"], builds["tested"]
    rebuilt = {"2026-08": charges["2026-08"], "2026-11": charges["2026-11"]}
    assert tested["stg"] == rebuilt
    assert tested["compare"] == rebuilt
    # (fct_allocated_costs also holds later months: invoices amortized over their periods)
    assert {"2026-08", "2026-09", "2026-10", "2026-11"} <= set(tested["whole"])

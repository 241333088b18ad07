"""The control tables of the working warehouse: the one place their DDL is written.

- raw.load_log: one row per landed file (sha256, version, rows read/loaded/quarantined);
  raw.quarantine: one row per landed row that could not be typed (line, column, reason);
  raw.rounded_amounts: one row per loaded amount delivered with more decimals than the money
  type keeps (as delivered, as stored, and the exact difference);
  raw.fx_reference_rates and raw.currency_reference: the packaged reference data; and one raw
  table per extract kind (orchestration/pipeline/extracts.py declares their columns).
- audit.gate_results: every gate check's row results, every run; audit.dbt_builds: the
  fingerprint of every completed dbt build (which months an incremental build may keep);
  audit.publications: when each publication was swapped in; audit.alert_deliveries: every
  attempt to deliver an alert.
- closed.*: what `tbm close` records and freezes (orchestration/commands/close.py).

Each `ensure_*` creates what is missing and never changes what exists. The load creates every
schema before dbt builds (dbt reads raw, audit and closed as sources).
"""

from __future__ import annotations

import duckdb

from orchestration.pipeline.extracts import EXTRACTS, raw_table_ddl

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    file_id bigint primary key,
    run_id varchar not null,
    extract_kind varchar not null,
    path varchar not null,
    sha256 varchar not null,
    file_bytes bigint not null,
    focus_version varchar,
    status varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    message varchar,
    loaded_at timestamp not null,
    landed_at timestamp
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    file_id bigint not null,
    path varchar not null,
    line bigint,
    column_name varchar,
    reason varchar not null,
    raw_record varchar,
    quarantined_at timestamp not null
)
"""

# The difference of one amount is below half a unit of the 12th decimal: one integer digit leaves
# 37 decimals, which hold exactly the difference of any value delivered with up to 37 decimals (a
# .NET decimal carries at most 28).
ROUNDED_AMOUNTS_DDL = """
create table if not exists raw.rounded_amounts (
    file_id bigint not null,
    line bigint not null,
    column_name varchar not null,
    delivered_value varchar not null,
    stored_value decimal(38,12) not null,
    rounding_difference decimal(38,37) not null
)
"""

ECB_RATES_DDL = """
create table if not exists raw.fx_reference_rates (
    rate_date date not null,
    currency varchar not null,
    units_per_eur decimal(38,12) not null,
    source varchar not null
)
"""


CURRENCY_REFERENCE_DDL = """
create table if not exists raw.currency_reference (
    currency_code varchar not null,
    currency_name varchar,
    minor_units integer,
    numeric_code integer
)
"""
# audit.gate_results: the run history of the gates (orchestration/pipeline/gates.py appends).
AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_results (
    run_id varchar not null,
    suite_name varchar not null,
    check_name varchar not null,
    checked_item varchar,
    billing_month date,
    observed_value varchar,
    observed_number decimal(38, 10),
    threshold varchar,
    threshold_min decimal(38, 10),
    threshold_max decimal(38, 10),
    status varchar not null,
    is_blocking boolean not null,
    message varchar,
    checked_at timestamp not null
)
"""
# audit.publications: every publication swapped in (orchestration/pipeline/publish.py appends);
# the end of the allocation latency (metric M8).
PUBLICATIONS_DDL = """
create schema if not exists audit;
create table if not exists audit.publications (
    run_id varchar not null,
    published_at timestamp not null
)
"""
# audit.alert_deliveries: every attempt to deliver an alert state on a route (the notifier,
# orchestration/alerts/notify.py); the route's id, never its target.
ALERT_DELIVERIES_DDL = """
create schema if not exists audit;
create table if not exists audit.alert_deliveries (
    attempted_at timestamp not null,
    run_id varchar,
    alert_key varchar not null,
    alert_state varchar not null,
    route_id varchar not null,
    channel varchar not null,
    status varchar not null,
    attempts integer not null,
    error varchar,
    alert_json varchar not null
)
"""
DBT_BUILDS_DDL = """
create schema if not exists audit;
create table if not exists audit.dbt_builds (
    run_id varchar not null,
    fingerprint varchar not null,
    built_at timestamptz not null
)
"""


CLOSED_DDL = """
create schema if not exists closed;
create table if not exists closed.month_closes (
    close_id varchar not null,
    billing_month date not null,
    action varchar not null,
    acted_by varchar not null,
    acted_at timestamp not null,
    run_id varchar,
    reason varchar
);
create or replace view closed.current_closes as
with ranked as (
    select
        *,
        row_number() over (partition by billing_month order by acted_at desc, action) as rn
    from closed.month_closes
)
select close_id, billing_month, acted_by as closed_by, acted_at as closed_at, run_id
from ranked
where rn = 1 and action = 'close';
"""


# The rates a close freezes: created by the first close (it is published only after one).
CLOSED_FX_RATES_DDL = """
create table if not exists closed.fx_rates (
    close_id varchar not null,
    billing_month date not null,
    currency_code varchar not null,
    reporting_currency varchar not null,
    rate_source varchar,
    fx_rate decimal(38, 12) not null,
    rate_date date not null
)
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for ddl in (
        LOAD_LOG_DDL,
        QUARANTINE_DDL,
        ROUNDED_AMOUNTS_DDL,
        ECB_RATES_DDL,
        CURRENCY_REFERENCE_DDL,
    ):
        con.execute(ddl)
    for spec in EXTRACTS.values():
        con.execute(raw_table_ddl(spec))
    # a warehouse created by an earlier version gains the columns added since (null in its rows)
    for table, column, sql_type in added_columns():
        con.execute(f"alter table {table} add column if not exists {column} {sql_type}")


def added_columns() -> list[tuple[str, str, str]]:
    """(table, column, type) of every column a control or extract table gained after its first
    release; names come from this module and the extract specs, never from files."""
    columns = [("raw.load_log", "landed_at", "timestamp")]
    for spec in EXTRACTS.values():
        columns += [(spec.table, c.name, c.sql_type) for c in spec.columns]
    return columns


def ensure_audit_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)
    con.execute(DBT_BUILDS_DDL)
    con.execute(PUBLICATIONS_DDL)
    con.execute(ALERT_DELIVERIES_DDL)


def ensure_closed_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Everything `tbm close` writes."""
    con.execute(CLOSED_DDL)
    con.execute(CLOSED_FX_RATES_DDL)


def ensure_control_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every control table, before dbt builds: dbt reads raw, audit and closed as sources."""
    ensure_raw_schema(con)
    ensure_audit_schema(con)
    con.execute(CLOSED_DDL)  # the close records the models read; closed.fx_rates comes with a close

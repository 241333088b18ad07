"""A row-for-row fingerprint of a publication, to prove that a change kept every published number.

`digest(published_file)` reads every table of the published DuckDB file and gives, per table, its
columns with their types, its row count, the sum of each decimal column and a sha256 of all its
rows (sorted, each value rendered exactly: a Decimal keeps its scale). Columns that differ from run
to run by nature (run ids, load and check times, the month a row was built) are left out of the
row hash and listed under `run_columns`; so are the rows of a metric timed against the run (the
allocation latency, `RUN_ROWS`). A golden file holds the digest of the demo as published
before a change; `python -m tests.published_digest FILE.duckdb GOLDEN.json` writes one.
"""

from __future__ import annotations

import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path

from tests.demo import open_warehouse

GOLDEN = Path(__file__).with_name("golden")

# columns whose values are the run's own (time, id), not the data's
RUN_COLUMNS = {
    "run_id",
    "published_at",
    "checked_at",
    "closed_at",
    "acted_at",
    "loaded_at",
    "month_built_at",
    "close_id",
}
# rows whose values are the run's own: allocation latency is timed inside the run (seconds)
RUN_ROWS = {"marts.fct_tbm_metrics_monthly": "metric_name <> 'allocation_latency_hours'"}


def _render(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value)


def digest(published: Path) -> dict[str, dict]:
    with open_warehouse(published) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "order by table_schema, table_name"
        ).fetchall()
        result = {}
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            kept = [name for name, _ in columns if name not in RUN_COLUMNS]
            select = ", ".join(f'"{name}"' for name in kept) or "null"  # only run columns
            where = RUN_ROWS.get(f"{schema}.{table}", "true")
            rows = con.execute(f'select {select} from {schema}."{table}" where {where}').fetchall()
            lines = sorted("\t".join(_render(v) for v in row) for row in rows)
            sums = {
                name: format(sum((row[kept.index(name)] or Decimal(0)) for row in rows), "f")
                for name, data_type in columns
                if data_type.startswith("DECIMAL") and name in kept
            }
            result[f"{schema}.{table}"] = {
                "columns": [f"{name} {data_type}" for name, data_type in columns],
                "run_columns": [name for name, _ in columns if name in RUN_COLUMNS],
                "rows": len(rows),
                "decimal_sums": sums,
                "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
            }
        return result


def differences(actual: dict[str, dict], golden: dict[str, dict]) -> list[str]:
    """What differs, table by table, in words a failing test can print."""
    found = []
    for table in sorted(set(actual) | set(golden)):
        if table not in actual:
            found.append(f"{table}: missing (was published before)")
        elif table not in golden:
            found.append(f"{table}: new (not published before)")
        else:
            for key in ("columns", "rows", "decimal_sums", "sha256"):
                if actual[table][key] != golden[table][key]:
                    found.append(
                        f"{table}: {key} {actual[table][key]!r} != golden {golden[table][key]!r}"
                    )
    return found


if __name__ == "__main__":
    published_file, golden_file = map(Path, sys.argv[1:3])
    golden_file.write_text(json.dumps(digest(published_file), indent=1, sort_keys=True) + "\n")

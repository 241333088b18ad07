"""The Spark engine: what moves between the DuckDB control plane and Spark, and in which form.

One loader, one gate runner, one publisher. With `--engine spark`, DuckDB stays the small
control plane of a run (the raw load with its load log and quarantine, the gate history, the
published file for BI) and Spark does the modelling (the dbt build: staging to marts). They
exchange Parquet through one folder, `<TBM_SPARK_DIR>/exchange/<schema>/<table>/`:

1. before the build, `export_sources` writes every dbt source table that Spark reads (`raw.*`,
   `audit.gate_results`) and the closed months that `tbm close` froze (`closed.*`) from DuckDB
   as Parquet; dbt's on-run-start hook on Spark (macros/spark_sources.sql) registers each
   folder as an external table of the same name;
2. dbt builds every model on Spark (tables in Spark's warehouse folder, Derby metastore);
3. after the build, `import_models` copies the Spark tables of the schemas that gates and
   publication read (`marts`, `quality`) into the DuckDB warehouse, reading the Parquet files of
   Spark's warehouse folder with DuckDB (a view: the Parquet copy that dbt's on-run-end hook
   writes into `exchange/views/`); the gate history view (`marts.fct_data_quality`, tag
   `control_plane`) is a view over DuckDB's own audit table, built by the DuckDB target.

So gates, publication, `tbm close` and `tbm report` read the Spark-built figures without a second
implementation, and BI reads either the published DuckDB file or Spark itself through the Thrift
(JDBC/ODBC) endpoint.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

EXCHANGED_SCHEMAS = ("raw", "audit")
IMPORTED_SCHEMAS = ("marts", "quality")
CONTROL_PLANE_TAG = "control_plane"


def _manifest(manifest_path: Path) -> dict:
    return json.loads(manifest_path.read_text())


def exchanged_sources(manifest_path: Path, con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every table that the Spark build reads from the exchange: the dbt
    sources of the schemas `raw` and `audit`, and the tables of the `closed` schema that
    `tbm close` wrote in DuckDB (closed.month_closes always; a frozen mart once a month was
    closed). Spark registers the closed ones listed in TBM_SPARK_CLOSED_TABLES
    (`closed_tables_setting`) and creates the others empty (macros/closed_schema.sql)."""
    from orchestration.warehouse.control_tables import ensure_closed_schema

    sources = _manifest(manifest_path)["sources"].values()
    tables = {(s["schema"], s["identifier"]) for s in sources if s["schema"] in EXCHANGED_SCHEMAS}
    ensure_closed_schema(con)
    closed = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'closed' and table_type = 'BASE TABLE'"
    ).fetchall()
    read = {s["identifier"] for s in sources if s["schema"] == "closed"} | {"month_closes"}
    tables |= {("closed", name) for (name,) in closed if name in read}
    return sorted(tables)


def closed_tables_setting(tables: list[tuple[str, str]]) -> str:
    """TBM_SPARK_CLOSED_TABLES for the Spark build: the exported closed tables, comma-separated."""
    return ",".join(name for schema, name in tables if schema == "closed")


def export_sources(
    con: duckdb.DuckDBPyConnection, exchange: Path, tables: list[tuple[str, str]]
) -> dict[str, int]:
    """Write each (schema, table) of the DuckDB warehouse as Parquet into
    `exchange/<schema>/<table>/data.parquet` (replacing the previous export); table -> rows."""
    from orchestration.warehouse.control_tables import ensure_audit_schema

    ensure_audit_schema(con)
    counts: dict[str, int] = {}
    for schema, table in tables:
        folder = exchange / schema / table
        tmp = folder.with_name(f".{table}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # schema and table names come from our own dbt project's manifest
        con.execute(
            f'copy (select * from {schema}."{table}") to ? (format parquet)',  # noqa: S608
            [str(tmp / "data.parquet")],
        )
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        counts[f"{schema}.{table}"] = con.execute(
            f'select count(*) from {schema}."{table}"'  # noqa: S608
        ).fetchone()[0]
    return counts


@dataclass(frozen=True)
class SparkModel:
    schema: str
    name: str
    materialized: str


def _is_data_file(path: Path, folder: Path) -> bool:
    """A Parquet part file, not Spark's _SUCCESS marker or a hidden .crc checksum."""
    return not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)


def imported_models(manifest_path: Path) -> list[SparkModel]:
    """The models of the imported schemas that Spark builds as tables (the control-plane view
    of the gate history is built on DuckDB instead)."""
    models = []
    for node in _manifest(manifest_path)["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or node["schema"] not in IMPORTED_SCHEMAS:
            continue
        if CONTROL_PLANE_TAG in node["config"].get("tags", []):
            continue
        models.append(SparkModel(node["schema"], node["alias"], node["config"]["materialized"]))
    return sorted(models, key=lambda m: (m.schema, m.name))


def table_folder(spark: Path, model: SparkModel) -> Path:
    """Where Spark keeps a managed table of `schema` (database `<schema>.db` in its warehouse
    folder), or where the on-run-end hook wrote a view (macros/spark_sources.sql)."""
    if model.materialized == "view":
        return spark / "exchange" / "views" / model.schema / model.name
    return spark / "warehouse" / f"{model.schema}.db" / model.name


def import_models(
    con: duckdb.DuckDBPyConnection, spark: Path, models: list[SparkModel]
) -> dict[str, int]:
    """Replace each model's DuckDB table with the Parquet files Spark wrote; table -> rows.
    Partitioned tables (Hive layout `<column>=<value>/`) keep their partition columns.
    `spark` is TBM_SPARK_DIR."""
    counts: dict[str, int] = {}
    # Spark writes its timestamps adjusted to UTC (timestamp with time zone for DuckDB): they
    # come back as the naive UTC timestamps the DuckDB models have
    con.execute("set TimeZone = 'UTC'")
    for schema in sorted({m.schema for m in models}):
        con.execute(f"create schema if not exists {schema}")
    for model in models:
        folder = table_folder(spark, model)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and _is_data_file(p, folder))
        if not files:
            raise FileNotFoundError(
                f"{model.schema}.{model.name}: no Parquet files in {folder}: did the Spark build "
                "write it (dbt build --target spark), and is TBM_SPARK_DIR the same folder?"
            )
        partitioned = any("=" in p.relative_to(folder).parts[0] for p in files)
        # names from our own manifest; the file list is a bound parameter
        read = f"read_parquet(?, hive_partitioning = {str(partitioned).lower()})"
        columns = con.execute(
            f"select column_name, column_type from (describe select * from {read})",  # noqa: S608
            [[str(p) for p in files]],
        ).fetchall()
        select = ", ".join(
            f'cast("{name}" as timestamp) as "{name}"'
            if kind == "TIMESTAMP WITH TIME ZONE"
            else f'"{name}"'
            for name, kind in columns
        )
        existing = con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [model.schema, model.name],
        ).fetchone()
        if existing and existing[0] == "VIEW":  # built as a view by a DuckDB-engine run
            con.execute(f'drop view {model.schema}."{model.name}"')
        con.execute(
            f'create or replace table {model.schema}."{model.name}" as '  # noqa: S608
            f"select {select} from {read}",
            [[str(p) for p in files]],
        )
        counts[f"{model.schema}.{model.name}"] = con.execute(
            f'select count(*) from {model.schema}."{model.name}"'  # noqa: S608
        ).fetchone()[0]
    return counts

"""The organisation folder: the company's own data, checked before any build.

A company keeps its service catalog, mapping rules, shared pools, fixed shares, budgets and SLO
targets as CSV files in one folder (`--org` / `TBM_ORG`); dbt reads them as seeds. Their schema is
the dbt properties file seeds/organisation/_organisation__seeds.yml: each file's columns and
types, and its data tests. `validate(folder)` applies that same schema and those same tests to
the files before a run builds anything, and names the file, line and column of every problem, so
a person can fix a bad row without reading a dbt test failure. The tests run as SQL in an
in-memory DuckDB database, in the form dbt gives them (the expressions are the project's own,
from the properties file; the folder's values are only ever data in a table).
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.settings import PROJECT_DIR, Settings

SCHEMA_FILE = PROJECT_DIR / "seeds" / "organisation" / "_organisation__seeds.yml"
# The data tests of SCHEMA_FILE are the rules `validate` applies before every build, which it
# refuses on any failure; in the build they could only pass again. So `tbm run` builds without
# them (this dbt selector; a quarter of the project's data tests, each a dbt node) and Dagster
# has no check for them (orchestration/defs/dbt/assets.py).
ORG_SCHEMA_FILE = str(SCHEMA_FILE.relative_to(PROJECT_DIR))
ORG_SCHEMA_TESTS = f"fqn:tbm_warehouse.{SCHEMA_FILE.parent.name}.*"
PRODUCT_SEEDS = PROJECT_DIR / "seeds"
LINE = "_line"  # the CSV line of a row, beside the file's own columns
TYPE = re.compile(r"[a-z]+(\([0-9]+,[0-9]+\))?")
REF = re.compile(r"ref\('([a-z_]+)'\)")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    tests: tuple[dict, ...]  # each {"kind": ..., **arguments}


@dataclass(frozen=True)
class OrgFile:
    name: str  # the seed's name; the file is <name>.csv
    description: str
    columns: tuple[Column, ...]
    tests: tuple[dict, ...]  # model-level tests

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [str(self.path)]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


def _tests(entries) -> tuple[dict, ...]:
    tests = []
    for entry in entries or ():
        if isinstance(entry, str):
            tests.append({"kind": entry})
            continue
        ((kind, body),) = entry.items()
        body = body or {}
        tests.append(
            {
                "kind": kind,
                **body.get("arguments", {}),
                "where": body.get("config", {}).get("where"),
            }
        )
    return tuple(tests)


def org_files(schema_file: Path = SCHEMA_FILE) -> list[OrgFile]:
    """The files of an organisation folder, as the properties file describes them."""
    seeds = yaml.safe_load(schema_file.read_text())["seeds"]
    files = []
    for seed in seeds:
        types = seed["config"]["column_types"]
        columns = []
        for column in seed["columns"]:
            type_ = types[column["name"]]
            if not TYPE.fullmatch(type_):
                raise ValueError(f"{schema_file}: {seed['name']}.{column['name']}: type {type_!r}")
            columns.append(
                Column(
                    column["name"],
                    type_,
                    " ".join(column.get("description", "").split()),
                    _tests(column.get("data_tests")),
                )
            )
        files.append(
            OrgFile(
                seed["name"],
                " ".join(seed.get("description", "").split()),
                tuple(columns),
                _tests(seed.get("data_tests")),
            )
        )
    return files


def _quoted(name: str) -> str:
    """A column or table name of the properties file, quoted (never a value of the folder)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"unexpected identifier {name!r} in {SCHEMA_FILE}")
    return f'"{name}"'


def _read(con, spec: OrgFile, path: Path, problems: list[Problem]) -> bool:
    """Load one file as text into table <name>_text (empty cells null). False when its header
    does not fit (then its rows are not checked)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            problems.append(Problem(path, 1, None, "empty file: the first line is the header"))
            return False
        header = [h.strip() for h in header]
        expected = [c.name for c in spec.columns]
        missing = [c for c in expected if c not in header]
        unknown = [h for h in header if h not in expected]
        for name in missing:
            problems.append(Problem(path, 1, name, "missing column"))
        for name in unknown:
            problems.append(
                Problem(path, 1, name, f"unknown column; the columns are: {', '.join(expected)}")
            )
        if missing or unknown:
            return False
        rows = []
        for record in reader:
            line = reader.line_num
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(path, line, None, f"{len(record)} values for {len(header)} columns")
                )
                continue
            values = dict(zip(header, record, strict=True))
            rows.append([line, *((values[c].strip() or None) for c in expected)])
    columns = ", ".join(f"{_quoted(c)} varchar" for c in expected)
    con.execute(f"create table {_quoted(spec.name + '_text')} ({LINE} integer, {columns})")
    if rows:
        marks = ", ".join("?" for _ in range(len(expected) + 1))
        con.executemany(f"insert into {_quoted(spec.name + '_text')} values ({marks})", rows)
    return True


def _type(con, spec: OrgFile, path: Path, problems: list[Problem]) -> None:
    """Table <name>: the file's rows with its columns typed; a value that does not type is a
    problem (and null in the table, so the other checks still run)."""
    text = _quoted(spec.name + "_text")
    for column in spec.columns:
        if column.type == "string":
            continue
        bad = con.execute(
            f"select {LINE}, {_quoted(column.name)} from {text} "
            f"where {_quoted(column.name)} is not null "
            f"and try_cast({_quoted(column.name)} as {column.type}) is null order by {LINE}"
        ).fetchall()
        for line, value in bad:
            problems.append(Problem(path, line, column.name, f"{value!r} is not a {column.type}"))
    typed = ", ".join(
        f"try_cast({_quoted(c.name)} as {c.type}) as {_quoted(c.name)}" for c in spec.columns
    )
    con.execute(f"create table {_quoted(spec.name)} as select {LINE}, {typed} from {text}")


def _product_seed(con, name: str) -> None:
    """A product seed (seeds/**/<name>.csv) as a table of text, for relationships to it."""
    (path,) = PRODUCT_SEEDS.rglob(f"{name}.csv")
    con.execute(
        f"create table {_quoted(name)} as select * from read_csv(?, all_varchar = true)",
        [str(path)],
    )


def _check(con, spec: OrgFile, path: Path, problems: list[Problem], tables: set[str]) -> None:
    """The data tests of the properties file, row by row."""
    table = _quoted(spec.name)
    for column in spec.columns:
        name = _quoted(column.name)
        for test in column.tests:
            where = f" and ({test['where']})" if test.get("where") else ""
            kind = test["kind"]
            if kind == "not_null":  # on the text: a value that does not type is not empty
                text = _quoted(spec.name + "_text")
                sql, params = f"select {LINE}, null from {text} where {name} is null", []
                message = "empty; a value is required"
            elif kind == "accepted_values":
                sql = f"select {LINE}, {name} from {table} where not list_contains(?, {name})"
                params = [[str(v) for v in test["values"]]]
                message = f"not allowed; allowed: {', '.join(str(v) for v in test['values'])}"
            elif kind == "unique":
                sql = (
                    f"select {LINE}, {name} from {table} where {name} in "
                    f"(select {name} from {table} group by {name} having count(*) > 1)"
                )
                params, message = [], "appears on more than one line; it must be unique"
            elif kind == "relationships":
                target = REF.fullmatch(test["to"]).group(1)
                if target not in tables:
                    _product_seed(con, target)
                    tables.add(target)
                sql = (
                    f"select {LINE}, {name} from {table} where {name} is not null "
                    f"and cast({name} as varchar) not in "
                    f"(select cast({_quoted(test['field'])} as varchar) from {_quoted(target)} "
                    f"where {_quoted(test['field'])} is not null)"
                )
                params = []
                message = f"not found in {target}.{test['field']}"
            elif kind == "expression_is_true":
                sql = f"select {LINE}, {name} from {table} where not ({test['expression']})"
                params, message = [], f"must satisfy {test['expression']}"
            else:
                raise ValueError(f"{SCHEMA_FILE}: test {kind} is not checked before the build")
            for line, value in con.execute(f"{sql}{where} order by {LINE}", params).fetchall():
                shown = "" if value is None else f"{value!r} "
                problems.append(Problem(path, line, column.name, shown + message))
    for test in spec.tests:
        kind = test["kind"]
        if kind == "unique_combination_of_columns":
            key = ", ".join(_quoted(c) for c in test["combination_of_columns"])
            shown = ", ".join(
                f"cast({_quoted(c)} as varchar)" for c in test["combination_of_columns"]
            )
            rows = con.execute(
                f"select {LINE}, concat_ws(', ', {shown}), list({LINE}) over (partition by {key}) "
                f"from {table} qualify count(*) over (partition by {key}) > 1 order by {LINE}"
            ).fetchall()
            names = ", ".join(test["combination_of_columns"])
            for line, values, lines in rows:
                others = ", ".join(str(n) for n in sorted(lines) if n != line)
                problems.append(
                    Problem(path, line, None, f"({names}) = ({values}) also on line {others}")
                )
        elif kind == "expression_is_true":
            rows = con.execute(
                f"select {LINE} from {table} where not ({test['expression']}) order by {LINE}"
            ).fetchall()
            for (line,) in rows:
                problems.append(Problem(path, line, None, f"must satisfy {test['expression']}"))
        else:
            raise ValueError(f"{SCHEMA_FILE}: test {kind} is not checked before the build")


def _require_fallback_rule(con, path: Path, problems: list[Problem]) -> None:
    """Every charge records the rule that mapped it: what no other rule maps, the fallback rule
    books on `unallocated` (int_charges_mapped_to_services)."""
    (count,) = con.execute(
        "select count(*) from mapping_rules where rule_type = 'fallback'"
    ).fetchone()
    if not count:
        problems.append(
            Problem(
                path,
                None,
                "rule_type",
                "no fallback rule; add the line `fallback-unallocated,fallback,1000,,,,"
                "unallocated,2000-01-01,,No other rule matched` (tbm init writes it)",
            )
        )


def validate(folder: Path) -> list[Problem]:
    """Every problem of the organisation folder `folder`, in file and line order; [] when the
    folder is valid (a file with a header and no rows is valid)."""
    if not folder.is_dir():
        return [Problem(folder, None, None, "no such folder (`tbm init --org DIR` writes one)")]
    specs = org_files()
    problems: list[Problem] = []
    con = duckdb.connect()
    try:
        readable = []
        for spec in specs:
            path = folder / spec.file_name
            if not path.is_file():
                problems.append(
                    Problem(path, None, None, "missing file (`tbm init` writes it with its header)")
                )
            elif _read(con, spec, path, problems):
                _type(con, spec, path, problems)
                readable.append((spec, path))
        tables = {spec.name for spec, _ in readable}
        for spec in specs:
            if spec.name not in tables:  # a missing or unreadable file: referenced, it is empty
                columns = ", ".join(f"{_quoted(c.name)} {c.type}" for c in spec.columns)
                con.execute(f"create table {_quoted(spec.name)} ({LINE} integer, {columns})")
                tables.add(spec.name)
        for spec, path in readable:
            _check(con, spec, path, problems, tables)
        if "mapping_rules" in {spec.name for spec, _ in readable}:
            _require_fallback_rule(con, folder / "mapping_rules.csv", problems)
    finally:
        con.close()
    order = {spec.file_name: i for i, spec in enumerate(specs)}
    return sorted(problems, key=lambda p: (order.get(p.path.name, -1), p.line or 0, p.column or ""))


def stage_for_dbt(settings: Settings) -> Path:
    """Make the organisation folder's CSV files readable by dbt at `settings.org_seed_path`:
    a folder outside the project is copied there (a file is replaced whole, and only when its
    bytes changed, so a run reading it sees the old or the new file; a file gone from the folder
    goes from the copy). Returns the seed path."""
    target = settings.org_seed_path
    if target == settings.org.resolve():
        return target
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p.read_bytes() for p in settings.org.glob("*.csv") if p.is_file()}
    for stale in target.glob("*.csv"):
        if stale.name not in wanted:
            stale.unlink()
    for name, content in wanted.items():
        path = target / name
        if path.is_file() and path.read_bytes() == content:
            continue
        with tempfile.NamedTemporaryFile(dir=target, prefix=f".{name}.", delete=False) as tmp:
            tmp.write(content)
        os.replace(tmp.name, path)
    return target

"""`tbm init`: a new organisation folder, valid and empty, with its schema and examples.

Every file is written with its header only, but for the one rule every folder needs: the fallback
mapping rule, which books what no other rule maps on the explicit `unallocated` bucket. A run on
the new folder builds, and the allocation gate then reports the cost as unallocated until
services and mapping rules are added. README.md in the
folder describes each file from the properties file (columns, types, what is required and
allowed) and shows example rows from the demo company's folder. The examples sit in the README,
not in CSV files: every CSV file of the folder is read as the company's data.
"""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path

from orchestration.org import Column, OrgFile, org_files
from orchestration.settings import PROJECT_DIR, SETTINGS

DEMO = PROJECT_DIR / SETTINGS["org"][1]
EXAMPLE_ROWS = 3
FALLBACK_RULE = {
    "rule_id": "fallback-unallocated",
    "rule_type": "fallback",
    "priority": "1000",
    "service_id": "unallocated",
    "valid_from": "2000-01-01",
    "description": "No other rule matched: the explicit unallocated bucket",
}


def _rule(column: Column) -> str:
    parts = [] if any(t["kind"] == "not_null" for t in column.tests) else ["optional"]
    for test in column.tests:
        kind = test["kind"]
        if kind == "not_null":
            text = "required"
        elif kind == "accepted_values":
            text = "one of " + ", ".join(f"`{v}`" for v in test["values"])
        elif kind == "relationships":
            text = f"a value of {test['to'][5:-2]}.{test['field']}"
        elif kind == "expression_is_true":
            text = f"`{test['expression']}`"
        else:
            text = kind
        parts.append(f"{text} when `{test['where']}`" if test.get("where") else text)
    return "; ".join(parts)


def _section(spec: OrgFile) -> list[str]:
    lines = [f"## {spec.file_name}", "", spec.description, ""]
    lines += ["| column | type | rule | meaning |", "|---|---|---|---|"]
    for column in spec.columns:
        meaning = column.description.replace("|", "\\|")
        lines.append(f"| `{column.name}` | {column.type} | {_rule(column)} | {meaning} |")
    for test in spec.tests:
        if test["kind"] == "unique_combination_of_columns":
            lines += ["", f"One line per ({', '.join(test['combination_of_columns'])})."]
        elif test["kind"] == "expression_is_true":
            lines += ["", f"Every line: `{test['expression']}`."]
    example = DEMO / spec.file_name
    if example.is_file():
        with example.open(newline="") as handle:
            rows = [line.rstrip("\r\n") for line in islice(handle, EXAMPLE_ROWS + 1)]
        lines += ["", "Example (the demo company's first lines):", "", "```csv", *rows, "```"]
    return [*lines, ""]


def readme(specs: list[OrgFile]) -> str:
    lines = [
        "# Organisation folder",
        "",
        "This folder holds the company's own data for tbm-warehouse: the service catalog, the "
        "rules that map billing lines to services, shared pools and their drivers, fixed shares, "
        "budgets, SLO targets, metric targets and the CI bill. Point every command at it with "
        "`--org` (or `TBM_ORG`). Each file is checked before a run builds anything; a problem "
        "is reported with its file, line and column. Empty cells are nulls; dates are "
        "`YYYY-MM-DD`; validity intervals are [valid_from, valid_to), an empty valid_to meaning "
        "current.",
        "",
        "`tbm discover --landing DIR --org DIR --write` drafts services and mapping rules from "
        "the billing's tags and accounts; review the drafts before you rely on the figures.",
        "",
    ]
    for spec in specs:
        lines += _section(spec)
    return "\n".join(lines)


def write_empty_folder(folder: Path) -> list[Path]:
    """Write the folder: one CSV file per organisation file (its header; the fallback rule)
    and README.md.
    Refuses (FileExistsError) when the folder exists and is not empty."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not empty: choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    specs = org_files()
    written = []
    for spec in specs:
        path = folder / spec.file_name
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, [c.name for c in spec.columns], lineterminator="\n")
            writer.writeheader()
            if spec.name == "mapping_rules":
                writer.writerow(FALLBACK_RULE)
        written.append(path)
    (folder / "README.md").write_text(readme(specs))
    return [*written, folder / "README.md"]

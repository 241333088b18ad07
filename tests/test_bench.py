"""`tbm bench` on a small case, so the benchmark harness cannot rot.

One subprocess: `tbm bench --rows 40000 --months 2 --add-month --out DIR` generates two months,
runs the whole graph, lands a third month and times the incremental run that loads it, builds
that month alone on a fresh warehouse, runs the hand-written DuckDB floor
(orchestration/bench/floor.sql: an independent computation of the headline totals straight
from the landing files, all three months) and the copy floor (every billing file read into
DuckDB, nothing else) and writes bench.json. The test checks the report's fields, that every
stage was timed, that the copy floor read every delivered row and that the pipeline's totals
equal the floor's exactly. The
big cases (10M, 6+1 months, 50M) are documented commands (docs/bench/README.md).
"""

from __future__ import annotations

import json

import pytest

from tests.demo import tbm
from tests.landing_reader import billing_files, read_records

pytestmark = pytest.mark.e2e
ROWS, MONTHS = 40_000, 2


def is_quotient(data: dict, ratio: str, numerator: str, denominator: str) -> bool:
    """Whether the report's RATIO is NUMERATOR / DENOMINATOR: the report rounds seconds and
    ratios to two decimals apiece (the ratio from the seconds before rounding), so the ratio lies
    between the quotients of the seconds' extremes, give or take half a hundredth."""
    half = 0.005
    top, bottom = data[numerator], data[denominator]
    low, high = (top - half) / (bottom + half), (top + half) / (bottom - half)
    return low - half <= data[ratio] <= high + half


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("bench")
    run = tbm(
        *("bench", "--rows", str(ROWS), "--months", str(MONTHS), "--add-month"),
        *("--out", str(root / "out"), "--workdir", str(root / "work")),
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {
        "stdout": run.stdout,
        "json": json.loads((root / "out" / "bench.json").read_text()),
        "md": (root / "out" / "bench.md").read_text(),
        "landing": root / "work" / "landing",
    }


def test_bench_json_has_the_measures(bench):
    data = bench["json"]
    for key in (
        "rows",
        "months",
        "pipeline_seconds",
        "floor_seconds",
        "ratio",
        "copy_floor_seconds",
        "ratio_copy",
        "peak_rss_bytes",
        "totals_match",
        "load_seconds",
        "dbt_build_seconds",
        "gates_seconds",
        "publish_seconds",
    ):
        assert key in data, key
    assert data["months"] == MONTHS + 1
    # the generator aims at ROWS, then ROWS / MONTHS for the added month; supersession (a partial
    # delivery replaced) removes a few
    generated = ROWS + ROWS // MONTHS
    assert 0.9 * generated <= data["generated_rows"] <= 1.1 * generated
    assert 0 < data["rows"] <= data["generated_rows"]
    assert data["pipeline_seconds"] > data["floor_seconds"] > 0
    assert is_quotient(data, "ratio", "pipeline_seconds", "floor_seconds")
    # the whole graph dwarfs any Python process alone; below the 24 GiB of the target machine
    assert 100 * 2**20 < data["peak_rss_bytes"] < 6 * 2**30
    assert all(data[f"{s}_seconds"] > 0 for s in ("load", "dbt_build", "gates", "publish"))


def test_the_copy_floor_read_every_row_of_every_billing_file(bench):
    """The copy floor's row count is that of the landing files as a CSV and Parquet reader in
    Python sees them (the partial delivery that a later one supersedes included)."""
    landing = bench["landing"]
    expected = sum(1 for path in billing_files(landing) for _ in read_records(landing, path))
    data = bench["json"]
    assert data["copy_floor_rows"] == expected > data["rows"]
    assert data["pipeline_seconds"] > data["copy_floor_seconds"] > 0
    assert is_quotient(data, "ratio_copy", "pipeline_seconds", "copy_floor_seconds")
    assert "ratio_copy" in bench["md"]


def test_pipeline_totals_equal_the_floor_exactly(bench):
    data = bench["json"]
    assert data["totals_match"] is True, data["mismatches"]
    assert data["mismatches"] == []
    assert "| totals equal the floor (exact decimal) | True |" in bench["stdout"]
    assert data["headline"], "the markdown report lists the largest destinations"
    assert "ratio pipeline / floor" in bench["md"]


def test_the_added_month_is_compared_with_its_build_alone(bench):
    data = bench["json"]
    assert data["first_run_seconds"] > 0  # the two-month build before it
    assert data["one_month_build_seconds"] > 0
    assert is_quotient(data, "added_month_ratio", "pipeline_seconds", "one_month_build_seconds")
    assert "the added month built alone on a fresh warehouse" in bench["md"]
    # the node times are those of the incremental run's dbt build
    assert "stg_focus__charges" in data["dbt_models"]

"""The benchmark report of a run without floors (`tbm bench --no-floors`): it says that no
ratio was measured and no total checked, rather than printing zeros as figures."""

from __future__ import annotations

from orchestration.bench.measure import BenchReport


def report(**changes) -> BenchReport:
    fields = dict(
        rows=0,
        months=7,
        generated_rows=70_000_000,
        generate_seconds=300.0,
        pipeline_seconds=400.0,
        floor_seconds=0.0,
        ratio=0.0,
        copy_floor_seconds=0.0,
        ratio_copy=0.0,
        copy_floor_rows=0,
        rows_per_second=175_000.0,
        peak_rss_bytes=3 << 30,
        peak_rss_pipeline_bytes=3 << 30,
        peak_rss_floor_bytes=0,
        rusage_self_maxrss_bytes=1 << 30,
        rusage_children_maxrss_bytes=2 << 30,
        totals_match=None,
        exit_code=0,
    )
    return BenchReport(**{**fields, **changes})


def test_a_report_without_floors_names_what_it_did_not_measure():
    table = report().table()
    assert "| **floor** (one DuckDB script) | not run |" in table
    assert "| **ratio pipeline / floor** | not measured |" in table
    assert "| **ratio_copy** pipeline / copy floor | not measured |" in table
    assert "| totals equal the floor (exact decimal) | not checked (--no-floors) |" in table
    assert "70,000,000 / not counted (no floor)" in table


def test_a_report_with_floors_prints_their_figures():
    table = report(
        rows=9_565_588,
        floor_seconds=125.7,
        ratio=2.65,
        copy_floor_seconds=50.3,
        ratio_copy=6.62,
        copy_floor_rows=10_013_568,
        totals_match=True,
    ).table()
    assert "| **floor** (one DuckDB script) | **125.7 s** |" in table
    assert "| **ratio_copy** pipeline / copy floor | **6.62x** |" in table
    assert "**50.3 s** (10,013,568 rows)" in table
    assert "| totals equal the floor (exact decimal) | True |" in table
    assert "70,000,000 / 9,565,588 |" in table

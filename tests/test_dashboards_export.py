"""The dashboards as code (dashboards/export/, Superset's export format): the files are what
dashboards/build_export.py writes, and they hang together (every chart on a dashboard reads a
dataset of the export, with metrics and columns the dataset has). Fast: no Superset."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from dashboards import build_export

EXPORT = build_export.EXPORT


def load(relative: str) -> dict:
    return yaml.safe_load((EXPORT / relative).read_text())


def test_the_export_is_the_builders_output():
    built = build_export.build()
    on_disk = {p.relative_to(EXPORT).as_posix() for p in EXPORT.rglob("*") if p.is_file()}
    assert on_disk == set(built), "run `.venv/bin/python -m dashboards.build_export`"
    for relative, document in built.items():
        assert (EXPORT / relative).read_text() == build_export.render(document), relative


def test_three_dashboards_titled_executive_on_call_debug():
    titles = sorted(load(f"dashboards/{s}.yaml")["dashboard_title"] for s in
                    ("executive", "on-call", "debug"))  # fmt: skip
    assert [t.split(":")[0] for t in titles] == ["Debug", "Executive", "On-call"]
    assert len(list((EXPORT / "dashboards").glob("*.yaml"))) == 3


def test_every_chart_is_placed_once_and_reads_a_dataset_of_the_export():
    datasets = {
        d["uuid"]: d for d in (yaml.safe_load(p.read_text()) for p in EXPORT.glob("datasets/*/*"))
    }
    database = load("databases/tbm_published.yaml")
    assert database["sqlalchemy_uri"].endswith("?access_mode=read_only")
    assert not database["allow_dml"]
    assert {d["database_uuid"] for d in datasets.values()} == {database["uuid"]}
    charts = {
        c["uuid"]: c for c in (yaml.safe_load(p.read_text()) for p in EXPORT.glob("charts/*"))
    }
    placed = [
        node["meta"]["uuid"]
        for slug in ("executive", "on-call", "debug")
        for node in load(f"dashboards/{slug}.yaml")["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]
    assert sorted(placed) == sorted(charts)
    for chart in charts.values():
        dataset = datasets[chart["dataset_uuid"]]
        assert dataset["schema"] == "marts" and dataset["sql"] is None
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        columns = {c["column_name"] for c in dataset["columns"]}
        context = json.loads(chart["query_context"])
        [query] = context["queries"]
        assert set(query["metrics"]) <= metrics, chart["slice_name"]
        names = {c if isinstance(c, str) else c["sqlExpression"] for c in query["columns"]}
        assert names <= columns, chart["slice_name"]
        assert context["form_data"] == chart["params"]
        assert chart["viz_type"] == chart["params"]["viz_type"]


def test_every_row_fits_the_dashboard_width():
    """Superset's grid is 12 columns wide: a row of more overflows to the right, out of view."""
    for slug in ("executive", "on-call", "debug"):
        position = load(f"dashboards/{slug}.yaml")["position"]
        for node in position.values():
            if isinstance(node, dict) and node.get("type") == "ROW":
                widths = [position[child]["meta"]["width"] for child in node["children"]]
                assert sum(widths) <= 12, (slug, widths)


def test_temporal_columns_are_marked_for_time_series():
    for path in Path(EXPORT / "charts").glob("*.yaml"):
        chart = yaml.safe_load(path.read_text())
        if chart["viz_type"].startswith("echarts_timeseries"):
            dataset = next(
                d
                for d in (yaml.safe_load(p.read_text()) for p in EXPORT.glob("datasets/*/*"))
                if d["uuid"] == chart["dataset_uuid"]
            )
            x_axis = chart["params"]["x_axis"]
            assert {c["column_name"]: c["is_dttm"] for c in dataset["columns"]}[x_axis], path


def test_serve_says_what_is_missing_without_a_stack_trace(tmp_path, monkeypatch):
    """The verdicts of `tbm dashboards serve` before anything starts: exit 1 and the reason."""
    from click.testing import CliRunner

    from orchestration.cli import main
    from orchestration.commands import dashboards

    runner = CliRunner()
    warehouse = tmp_path / "wh" / "tbm.duckdb"
    monkeypatch.setattr(dashboards, "SUPERSET_ENV", tmp_path / "no-env")
    result = runner.invoke(main, ["dashboards", "serve", "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert "no Superset environment" in result.output and "scripts/superset-env" in result.output
    assert "Traceback" not in result.output

    fake_env = tmp_path / "env" / "bin"
    fake_env.mkdir(parents=True)
    for name in ("python", "gunicorn"):
        (fake_env / name).touch()
    monkeypatch.setattr(dashboards, "SUPERSET_ENV", fake_env.parent)
    result = runner.invoke(main, ["dashboards", "serve", "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert f"no published file {warehouse.with_name('tbm.published.duckdb')}" in result.output
    assert not (warehouse.parent / "superset").exists()  # nothing made before the checks pass


def test_the_secret_files_are_private_and_kept(tmp_path):
    from orchestration.commands.dashboards import _secret_file

    path = tmp_path / "admin_password"
    _secret_file(path)
    first = path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600" and len(first.strip()) >= 24
    _secret_file(path)
    assert path.read_text() == first

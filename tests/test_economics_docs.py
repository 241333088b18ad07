"""`dbt docs generate` works and documents the unit-economics marts, exposures and metrics.

Runs on the `lint` target (an in-memory DuckDB, profiles.yml), so it needs no warehouse: the
catalog is empty, the manifest and the docs site are complete. Output goes to a temporary
target folder, never to the tree's own target/.
"""

from __future__ import annotations

import json

import pytest

from orchestration.pipeline.dbt_project import run_dbt
from tests.demo import clean_env

pytestmark = pytest.mark.e2e
MARTS = (
    "fct_unit_costs",
    "fct_tbm_metrics_monthly",
    "fct_cost_by_service_daily",
    "fct_cost_anomalies",
    "fct_budget_vs_actual",
    "fct_budget_forecasts",
    "fct_budget_forecast_accuracy",
    "fct_tbm_signals_daily",
    "fct_tbm_signals_monthly",
)


def test_dbt_docs_generate_documents_the_economics_marts(tmp_path):
    target = tmp_path / "target"
    result = run_dbt(
        *("docs", "generate", "--log-path", str(tmp_path / "logs")),
        target="duckdb",
        target_path=target,
        env=clean_env({"TBM_WAREHOUSE": ":memory:"}),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for artifact in ("index.html", "manifest.json", "catalog.json", "semantic_manifest.json"):
        assert (target / artifact).exists(), artifact

    manifest = json.loads((target / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in MARTS:
        model = models[name]
        assert "Grain:" in model["description"], name
        assert model["config"]["contract"]["enforced"], name
        undocumented = [c for c, col in model["columns"].items() if not col["description"]]
        assert not undocumented, (name, undocumented)

    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"unit_economics_dashboard", "cost_anomaly_alerts", "budget_vs_actual_dashboard"} <= set(
        exposures
    )
    assert (
        "model.tbm_warehouse.fct_unit_costs"
        in (exposures["unit_economics_dashboard"]["depends_on"]["nodes"])
    )

    metrics = {m["name"] for m in manifest["metrics"].values()}
    assert {"allocated_effective_cost", "requests", "active_users", "cost_per_request"} <= metrics
    semantic_models = {s["name"] for s in manifest["semantic_models"].values()}
    assert "unit_costs" in semantic_models
    spine = models["util_time_spine_daily"]
    assert spine["time_spine"]["standard_granularity_column"] == "date_day"

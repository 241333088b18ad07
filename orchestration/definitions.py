"""The single Dagster entry point: `dagster dev` loads it; `tbm run` executes its job in-process.

Graph: raw load assets -> dbt models (staging, intermediate, marts, quality) -> GX gate checks ->
publication -> alert delivery. Everything runs in one process: DuckDB allows one writer per
file. Unattended runs: the landing sensor, the daily schedule and the run-failure sensor
(orchestration/defs/automation.py); `tbm serve` starts them with the Dagster UI.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.alerts.assets import alerts_delivered
from orchestration.defs.automation import landing_sensor, run_failure_alerts, tbm_daily
from orchestration.defs.dbt.assets import dbt_resource, tbm_dbt_models
from orchestration.defs.gates.checks import GATE_CHECKS
from orchestration.defs.publish.assets import published_bi
from orchestration.defs.raw.assets import RAW_ASSETS
from orchestration.resources import SettingsResource

tbm_run_job = dg.define_asset_job(
    "tbm_run",
    selection=dg.AssetSelection.all(),
    description="Load landing files, build the dbt models, run the gates, publish if they pass, "
    "deliver the alerts.",
)

defs = dg.Definitions(
    assets=[*RAW_ASSETS, tbm_dbt_models, published_bi, alerts_delivered],
    asset_checks=GATE_CHECKS,
    jobs=[tbm_run_job],
    schedules=[tbm_daily],
    sensors=[landing_sensor, run_failure_alerts],
    # `tbm` replaces the settings resource with the one built from its flags
    resources={"dbt": dbt_resource, "settings": SettingsResource()},
    executor=dg.in_process_executor,
)

"""Writes dashboards/export/: the three dashboards, their charts and datasets and the DuckDB
connection, in Superset's import/export format (the files `superset export-dashboards` writes).

The export is what `tbm dashboards serve` imports; this script is how it is edited: change a
chart here, run `.venv/bin/python -m dashboards.build_export`, commit both (a test checks that
the export is this script's output). Charts read the published marts only: every dataset is a
mart table; the few filters ("the current month", "the latest day") are the only SQL here.

Each chart carries its `query_context` as well as its form data: Superset's browser front end
builds its query from the form data, the chart data API (`GET /api/v1/chart/<id>/data/`)
answers from the saved query context.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPORT = Path(__file__).resolve().parent / "export"
VERSION = "1.0.0"
NAMESPACE = uuid.UUID("6f1c1d52-7f0b-4e0a-9a53-2f6e8c0b1d19")
DATABASE_NAME = "TBM published marts"
# replaced at import by the published file served (dashboards/superset/bootstrap.py)
DATABASE_URI_PLACEHOLDER = "duckdb:///tbm.published.duckdb?access_mode=read_only"

# The current month: the latest month with daily charges (later months of the marts hold only
# scheduled amortization). The latest day: the last day of SLO measurements.
CURRENT_MONTH = "(select max(cost_month) from marts.fct_cost_by_service_daily)"
MONEY = ",.2f"
TIMESTAMP = "2026-12-04T00:00:00+00:00"  # of the export format; Superset requires one


# Column and metric labels in words (Superset shows them as table headings and legends).
LABELS = {
    "alert_state": "State",
    "severity": "Severity",
    "rule_name": "Rule",
    "first_seen_period": "First seen",
    "last_seen_period": "Last seen",
    "observed_value": "Value",
    "threshold_value": "Threshold",
    "cost_impact_reporting": "Cost impact",
    "runbook": "Runbook",
    "billing_month": "Month",
    "cost_date": "Day",
    "usage_date": "Day",
    "signal_date": "Day",
    "usage_hour": "Hour",
    "service_id": "Service",
    "service_name": "Service",
    "business_unit": "Business unit",
    "cost_center": "Cost center",
    "reporting_currency": "Currency",
    "effective_cost_reporting": "Cost",
    "rising_rank": "Rank",
    "previous_cost_reporting": "Previous month",
    "cost_increase_reporting": "Increase",
    "cost_increase_percent": "Increase %",
    "budget_reporting": "Budget",
    "actual_effective_cost_reporting": "Actual",
    "forecast_effective_cost_reporting": "Forecast",
    "budget_consumed_percent": "Budget used %",
    "budget_status": "Status",
    "metric_id": "Metric",
    "metric_name": "Metric name",
    "scope_type": "Scope",
    "scope_id": "Service",
    "metric_value": "SLO compliance %",
    "target_value": "Target %",
    "is_target_met": "Target met",
    "burn_rate": "Burn rate (day)",
    "window_burn_rate": "Burn rate (window)",
    "is_good_window": "Good window",
    "is_sustained_burn": "Sustained burn",
    "anomaly_direction": "Direction",
    "expected_cost_reporting": "Expected",
    "excess_cost_reporting": "Excess cost",
    "robust_z_score": "Robust z",
    "signal_name": "Signal",
    "observability_ingest_gb": "Ingest GB",
    "observed_to_baseline_ratio": "Times baseline",
    "is_flagged": "Flagged",
    "deploy_count": "Deploys",
    "deployed_versions": "Versions",
    "previous_day_cost_reporting": "Previous day",
    "cost_change_reporting": "Cost change",
    "cluster_name": "Cluster",
    "namespace": "Namespace",
    "pod_name": "Pod",
    "is_idle": "Idle",
    "cpu_cores_requested": "CPU cores requested",
    "cpu_cores_used": "CPU cores used",
    "memory_gib_requested": "Memory GiB requested",
    "memory_gib_used": "Memory GiB used",
    "allocated_cost_reporting": "Cost",
    "total_effective_cost": "Total cost",
    "max_window_burn_rate": "Burn rate (window)",
    "daily_effective_cost": "Cost",
    "ingest_gb": "Ingest GB",
    "service_daily_cost": "Cost",
    "deploys": "Deploys",
    "container_cost": "Cost",
}


def _uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


@dataclass(frozen=True)
class Dataset:
    table: str
    columns: dict[str, str]  # name -> type
    temporal: tuple[str, ...] = ()
    metrics: dict[str, str] = field(default_factory=dict)  # name -> SQL expression
    labels: dict[str, str] = field(default_factory=dict)  # where LABELS does not fit this table


DATASETS = {
    d.table: d
    for d in (
        Dataset(
            "fct_allocated_costs",
            {
                "billing_month": "DATE",
                "service_id": "VARCHAR",
                "business_unit": "VARCHAR",
                "reporting_currency": "VARCHAR",
                "effective_cost_reporting": "DECIMAL(38, 12)",
            },
            temporal=("billing_month",),
            metrics={"total_effective_cost": "SUM(effective_cost_reporting)"},
        ),
        Dataset(
            "fct_showback_monthly",
            {
                "billing_month": "DATE",
                "business_unit": "VARCHAR",
                "cost_center": "VARCHAR",
                "reporting_currency": "VARCHAR",
                "effective_cost_reporting": "DECIMAL(38, 12)",
            },
            temporal=("billing_month",),
            metrics={"total_effective_cost": "SUM(effective_cost_reporting)"},
        ),
        Dataset(
            "fct_top_rising_services_monthly",
            {
                "billing_month": "DATE",
                "rising_rank": "INTEGER",
                "service_name": "VARCHAR",
                "business_unit": "VARCHAR",
                "previous_cost_reporting": "DECIMAL(38, 12)",
                "effective_cost_reporting": "DECIMAL(38, 12)",
                "cost_increase_reporting": "DECIMAL(38, 12)",
                "cost_increase_percent": "DECIMAL(38, 12)",
            },
            temporal=("billing_month",),
        ),
        Dataset(
            "fct_budget_vs_actual",
            {
                "billing_month": "DATE",
                "business_unit": "VARCHAR",
                "budget_reporting": "DECIMAL(38, 12)",
                "actual_effective_cost_reporting": "DECIMAL(38, 12)",
                "forecast_effective_cost_reporting": "DECIMAL(38, 12)",
                "budget_consumed_percent": "DECIMAL(38, 12)",
                "budget_status": "VARCHAR",
            },
            temporal=("billing_month",),
        ),
        Dataset(
            "fct_tbm_metrics_monthly",
            {
                "billing_month": "DATE",
                "metric_id": "VARCHAR",
                "metric_name": "VARCHAR",
                "scope_type": "VARCHAR",
                "scope_id": "VARCHAR",
                "metric_value": "DECIMAL(38, 12)",
                "target_value": "DECIMAL(38, 12)",
                "is_target_met": "BOOLEAN",
            },
            temporal=("billing_month",),
        ),
        Dataset(
            "fct_slo_windows_daily",
            {
                "usage_date": "DATE",
                "service_id": "VARCHAR",
                "burn_rate": "DECIMAL(38, 12)",
                "window_burn_rate": "DECIMAL(38, 12)",
                "is_good_window": "BOOLEAN",
                "is_sustained_burn": "BOOLEAN",
            },
            temporal=("usage_date",),
            metrics={"max_window_burn_rate": "MAX(window_burn_rate)"},
        ),
        Dataset(
            "fct_cost_anomalies",
            {
                "cost_date": "DATE",
                "service_id": "VARCHAR",
                "business_unit": "VARCHAR",
                "anomaly_direction": "VARCHAR",
                "effective_cost_reporting": "DECIMAL(38, 12)",
                "expected_cost_reporting": "DECIMAL(38, 12)",
                "excess_cost_reporting": "DECIMAL(38, 12)",
                "robust_z_score": "DECIMAL(38, 6)",
            },
            temporal=("cost_date",),
        ),
        Dataset(
            "fct_alert_events",
            {
                "alert_state": "VARCHAR",
                "severity": "VARCHAR",
                "rule_name": "VARCHAR",
                "scope_type": "VARCHAR",
                "scope_id": "VARCHAR",
                "first_seen_period": "DATE",
                "last_seen_period": "DATE",
                "observed_value": "DECIMAL(38, 12)",
                "threshold_value": "DECIMAL(38, 12)",
                "cost_impact_reporting": "DECIMAL(38, 12)",
                "runbook": "VARCHAR",
            },
            temporal=("first_seen_period",),
            labels={"scope_type": "Scope", "scope_id": "Service or business unit"},
        ),
        Dataset(
            "fct_cost_by_service_daily",
            {
                "cost_date": "DATE",
                "service_id": "VARCHAR",
                "effective_cost_reporting": "DECIMAL(38, 12)",
            },
            temporal=("cost_date",),
            metrics={"daily_effective_cost": "SUM(effective_cost_reporting)"},
        ),
        Dataset(
            "fct_tbm_signals_daily",
            {
                "signal_date": "DATE",
                "service_id": "VARCHAR",
                "signal_name": "VARCHAR",
                "observability_ingest_gb": "DECIMAL(38, 12)",
                "observed_to_baseline_ratio": "DECIMAL(38, 6)",
                "is_flagged": "BOOLEAN",
            },
            temporal=("signal_date",),
            metrics={"ingest_gb": "SUM(observability_ingest_gb)"},
        ),
        Dataset(
            "fct_deploys_against_cost_daily",
            {
                "cost_date": "DATE",
                "service_id": "VARCHAR",
                "deploy_count": "BIGINT",
                "deployed_versions": "VARCHAR",
                "effective_cost_reporting": "DECIMAL(38, 12)",
                "previous_day_cost_reporting": "DECIMAL(38, 12)",
                "cost_change_reporting": "DECIMAL(38, 12)",
            },
            temporal=("cost_date",),
            metrics={
                "service_daily_cost": "SUM(effective_cost_reporting)",
                "deploys": "SUM(deploy_count)",
            },
        ),
        Dataset(
            "fct_container_costs_hourly",
            {
                "usage_hour": "TIMESTAMP",
                "cost_date": "DATE",
                "cluster_name": "VARCHAR",
                "namespace": "VARCHAR",
                "pod_name": "VARCHAR",
                "is_idle": "BOOLEAN",
                "cpu_cores_requested": "DECIMAL(38, 12)",
                "cpu_cores_used": "DECIMAL(38, 12)",
                "memory_gib_requested": "DECIMAL(38, 12)",
                "memory_gib_used": "DECIMAL(38, 12)",
                "allocated_cost_reporting": "DECIMAL(38, 12)",
            },
            temporal=("usage_hour", "cost_date"),
            metrics={
                "container_cost": "SUM(allocated_cost_reporting)",
                "cpu_cores_used": "SUM(cpu_cores_used)",
                "cpu_cores_requested": "SUM(cpu_cores_requested)",
                "memory_gib_used": "SUM(memory_gib_used)",
                "memory_gib_requested": "SUM(memory_gib_requested)",
            },
        ),
    )
}


@dataclass(frozen=True)
class Chart:
    """One chart: KIND is big_number (METRICS[0] as one figure), table (raw rows: COLUMNS, or
    aggregated: GROUPBY and METRICS), line or bar (a time series over X_AXIS per GROUPBY)."""

    name: str
    dataset: str
    kind: str
    metrics: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    groupby: tuple[str, ...] = ()
    x_axis: str = ""
    time_grain: str = "P1D"
    where: str = ""
    order_by: tuple[tuple[str, bool], ...] = ()  # (column or metric, ascending)
    row_limit: int = 1000
    width: int = 6
    number_format: str = MONEY  # of the metric (axis, figure)


@dataclass(frozen=True)
class Dashboard:
    title: str
    slug: str
    description: str
    rows: tuple[tuple[Chart, ...], ...]


def _current_month(column: str) -> str:
    return f"{column} = {CURRENT_MONTH}"


DASHBOARDS = (
    Dashboard(
        "Executive: technology spend",
        "executive",
        "Total technology spend, by business unit, the top rising services, forecast against "
        "budget and the SLO summary.",
        (
            (
                Chart(
                    "Total technology spend, current month",
                    "fct_allocated_costs",
                    "big_number",
                    metrics=("total_effective_cost",),
                    where=_current_month("billing_month"),
                    width=4,
                ),
                Chart(
                    "Technology spend by month",
                    "fct_allocated_costs",
                    "bar",
                    metrics=("total_effective_cost",),
                    x_axis="billing_month",
                    time_grain="P1M",
                    width=8,
                ),
            ),
            (
                Chart(
                    "Spend by business unit, current month",
                    "fct_showback_monthly",
                    "table",
                    metrics=("total_effective_cost",),
                    groupby=("business_unit",),
                    where=_current_month("billing_month"),
                    order_by=(("total_effective_cost", False),),
                    width=4,
                ),
                Chart(
                    "Top 10 rising services, current month",
                    "fct_top_rising_services_monthly",
                    "table",
                    columns=(
                        "rising_rank",
                        "service_name",
                        "business_unit",
                        "previous_cost_reporting",
                        "effective_cost_reporting",
                        "cost_increase_reporting",
                        "cost_increase_percent",
                    ),
                    where=_current_month("billing_month") + " and rising_rank <= 10",
                    order_by=(("rising_rank", True),),
                    row_limit=10,
                    width=8,
                ),
            ),
            (
                Chart(
                    "Forecast against budget, current month",
                    "fct_budget_vs_actual",
                    "table",
                    columns=(
                        "business_unit",
                        "budget_reporting",
                        "actual_effective_cost_reporting",
                        "forecast_effective_cost_reporting",
                        "budget_consumed_percent",
                        "budget_status",
                    ),
                    where=_current_month("billing_month"),
                    order_by=(("business_unit", True),),
                    width=7,
                ),
                Chart(
                    "SLO summary, current month",
                    "fct_tbm_metrics_monthly",
                    "table",
                    columns=("scope_id", "metric_value", "target_value", "is_target_met"),
                    where=_current_month("billing_month")
                    + " and metric_name = 'slo_compliance_percent'",
                    order_by=(("scope_id", True),),
                    width=5,
                ),
            ),
        ),
    ),
    Dashboard(
        "On-call: burn, incidents and service health",
        "on-call",
        "Current error-budget burn, the alerts by cost impact, cost anomalies, the telemetry "
        "signals that flag with them, and each service's SLO windows.",
        (
            (
                Chart(
                    "Current burn: SLO window burn rate, latest day",
                    "fct_slo_windows_daily",
                    "table",
                    columns=(
                        "service_id",
                        "burn_rate",
                        "window_burn_rate",
                        "is_sustained_burn",
                        "is_good_window",
                    ),
                    where="usage_date = (select max(usage_date) from marts.fct_slo_windows_daily)",
                    order_by=(("window_burn_rate", False),),
                    width=5,
                ),
                Chart(
                    "Incidents by cost impact: alerts",
                    "fct_alert_events",
                    "table",
                    columns=(
                        "alert_state",
                        "severity",
                        "rule_name",
                        "scope_type",
                        "scope_id",
                        "first_seen_period",
                        "last_seen_period",
                        "observed_value",
                        "threshold_value",
                        "cost_impact_reporting",
                        "runbook",
                    ),
                    order_by=(("cost_impact_reporting", False),),
                    row_limit=50,
                    width=7,
                ),
            ),
            (
                Chart(
                    "Cost anomalies by excess cost",
                    "fct_cost_anomalies",
                    "table",
                    columns=(
                        "cost_date",
                        "service_id",
                        "anomaly_direction",
                        "effective_cost_reporting",
                        "expected_cost_reporting",
                        "excess_cost_reporting",
                        "robust_z_score",
                    ),
                    order_by=(("excess_cost_reporting", False),),
                    row_limit=50,
                    width=6,
                ),
                Chart(
                    "Correlated anomalies: flagged telemetry ingest spikes",
                    "fct_tbm_signals_daily",
                    "table",
                    columns=(
                        "signal_date",
                        "service_id",
                        "signal_name",
                        "observability_ingest_gb",
                        "observed_to_baseline_ratio",
                    ),
                    where="is_flagged",
                    order_by=(("signal_date", False),),
                    width=6,
                ),
            ),
            (
                Chart(
                    "Daily cost by service",
                    "fct_cost_by_service_daily",
                    "line",
                    metrics=("daily_effective_cost",),
                    groupby=("service_id",),
                    x_axis="cost_date",
                    row_limit=10000,
                    width=12,
                ),
            ),
            (
                Chart(
                    "Service health: SLO window burn rate by day",
                    "fct_slo_windows_daily",
                    "line",
                    metrics=("max_window_burn_rate",),
                    number_format=",.2f",  # a rate, not money
                    groupby=("service_id",),
                    x_axis="usage_date",
                    row_limit=10000,
                    width=12,
                ),
            ),
        ),
    ),
    Dashboard(
        "Debug: deploys, pods and ingest",
        "debug",
        "Deploys against the services' daily cost, per-pod CPU and memory with the cluster "
        "cost split to namespaces and pods (idle on its own line), telemetry ingest rate.",
        (
            (
                Chart(
                    "Deploys against cost: service cost by day",
                    "fct_deploys_against_cost_daily",
                    "line",
                    metrics=("service_daily_cost",),
                    groupby=("service_id",),
                    x_axis="cost_date",
                    row_limit=10000,
                    width=7,
                ),
                Chart(
                    "Deploys and the cost change of their day",
                    "fct_deploys_against_cost_daily",
                    "table",
                    columns=(
                        "cost_date",
                        "service_id",
                        "deploy_count",
                        "deployed_versions",
                        "previous_day_cost_reporting",
                        "effective_cost_reporting",
                        "cost_change_reporting",
                    ),
                    where="deploy_count > 0",
                    order_by=(("cost_date", False),),
                    width=5,
                ),
            ),
            (
                Chart(
                    "Cost per namespace and pod, latest day (idle on its own line)",
                    "fct_container_costs_hourly",
                    "table",
                    metrics=(
                        "container_cost",
                        "cpu_cores_requested",
                        "cpu_cores_used",
                        "memory_gib_requested",
                        "memory_gib_used",
                    ),
                    groupby=("cluster_name", "namespace", "pod_name", "is_idle"),
                    where="cost_date = (select max(cost_date) "
                    "from marts.fct_container_costs_hourly)",
                    order_by=(("container_cost", False),),
                    width=12,
                ),
            ),
            (
                Chart(
                    "CPU cores used per namespace by hour",
                    "fct_container_costs_hourly",
                    "line",
                    metrics=("cpu_cores_used",),
                    number_format=",.1f",
                    groupby=("namespace",),
                    x_axis="usage_hour",
                    time_grain="PT1H",
                    where="not is_idle",
                    row_limit=10000,
                ),
                Chart(
                    "Ingest rate: observability GB per service by day",
                    "fct_tbm_signals_daily",
                    "line",
                    metrics=("ingest_gb",),
                    number_format=",.1f",
                    groupby=("service_id",),
                    x_axis="signal_date",
                    row_limit=10000,
                ),
            ),
        ),
    ),
)


def _sql_filter(chart: Chart) -> list[dict]:
    if not chart.where:
        return []
    return [
        {
            "clause": "WHERE",
            "expressionType": "SQL",
            "sqlExpression": chart.where,
            "subject": None,
            "comparator": None,
            "operator": None,
            "isExtra": False,
            "isNew": False,
            "filterOptionName": "filter_" + _uuid("filter", chart.name).replace("-", "")[:16],
        }
    ]


def _form_data(chart: Chart) -> dict:
    form = {
        "viz_type": {
            "big_number": "big_number_total",
            "table": "table",
            "line": "echarts_timeseries_line",
            "bar": "echarts_timeseries_bar",
        }[chart.kind],
        "datasource": "0__table",
        "adhoc_filters": _sql_filter(chart),
        "row_limit": chart.row_limit,
        "extra_form_data": {},
        "dashboards": [],
    }
    if chart.kind == "big_number":
        form |= {
            "metric": chart.metrics[0],
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "y_axis_format": chart.number_format,
            "subheader": "reporting currency",
        }
    elif chart.kind == "table":
        raw = not chart.metrics
        form |= {
            "query_mode": "raw" if raw else "aggregate",
            "all_columns": list(chart.columns) if raw else [],
            "groupby": list(chart.groupby),
            "metrics": list(chart.metrics),
            "order_by_cols": [json.dumps([c, asc]) for c, asc in chart.order_by] if raw else [],
            "server_pagination": False,
            "include_search": False,
            "show_cell_bars": False,
            "table_timestamp_format": "%Y-%m-%d",  # the tables show days
            "order_desc": True,
            "percent_metrics": [],
            "temporal_columns_lookup": {c: True for c in DATASETS[chart.dataset].temporal},
            # amounts, percentages and rates with two decimals, thousands separated
            "column_config": {
                name: {"d3NumberFormat": MONEY}
                for name in (*chart.columns, *chart.metrics)
                if name in chart.metrics
                or DATASETS[chart.dataset].columns[name].startswith("DECIMAL")
            },
        }
        if not raw and chart.order_by:
            form["timeseries_limit_metric"] = chart.order_by[0][0]
            form["order_desc"] = not chart.order_by[0][1]
    else:
        form |= {
            "x_axis": chart.x_axis,
            "time_grain_sqla": chart.time_grain,
            "metrics": list(chart.metrics),
            "groupby": list(chart.groupby),
            "order_desc": True,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "rich_tooltip": True,
            "y_axis_format": chart.number_format,
            "x_axis_time_format": "smart_date",
            "truncate_metric": True,
            "comparison_type": "values",
            "annotation_layers": [],
            "forecastPeriods": 10,
            "forecastInterval": 0.8,
        }
    return form


def _query(chart: Chart, form: dict) -> dict:
    query = {
        "filters": [],
        "extras": {"having": "", "where": f"({chart.where})" if chart.where else ""},
        "applied_time_extras": {},
        "columns": [],
        "metrics": list(chart.metrics),
        "orderby": [[c, asc] for c, asc in chart.order_by],
        "annotation_layers": [],
        "row_limit": chart.row_limit,
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if chart.kind == "big_number":
        query["orderby"] = []
    elif chart.kind == "table":
        query["columns"] = list(chart.columns or chart.groupby)
        if chart.metrics:
            query["orderby"] = [[c, asc] for c, asc in chart.order_by]
    else:
        query["columns"] = [
            {
                "timeGrain": chart.time_grain,
                "columnType": "BASE_AXIS",
                "sqlExpression": chart.x_axis,
                "label": chart.x_axis,
                "expressionType": "SQL",
            },
            *chart.groupby,
        ]
        query["series_columns"] = list(chart.groupby)
        query["orderby"] = [[chart.metrics[0], False]]
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": form,
        "result_format": "json",
        "result_type": "full",
    }


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")[:80]


def _dataset_yaml(dataset: Dataset, database_uuid: str) -> dict:
    return {
        "table_name": dataset.table,
        "main_dttm_col": dataset.temporal[0] if dataset.temporal else None,
        "description": f"The published mart marts.{dataset.table}.",
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": "marts",
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": _uuid("dataset", dataset.table),
        "metrics": [
            {
                "metric_name": name,
                "verbose_name": dataset.labels.get(name, LABELS[name]),
                "metric_type": None,
                "expression": expression,
                "description": None,
                "d3format": None,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
            for name, expression in dataset.metrics.items()
        ],
        "columns": [
            {
                "column_name": name,
                "verbose_name": dataset.labels.get(name, LABELS[name]),
                "is_dttm": name in dataset.temporal,
                "is_active": True,
                "type": type_,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": None,
                "description": None,
                "python_date_format": None,
                "extra": {},
            }
            for name, type_ in dataset.columns.items()
        ],
        "version": VERSION,
        "database_uuid": database_uuid,
    }


def _position(dashboard: Dashboard, charts: dict[str, str]) -> dict:
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"children": ["GRID_ID"], "id": "ROOT_ID", "type": "ROOT"},
        "HEADER_ID": {"id": "HEADER_ID", "meta": {"text": dashboard.title}, "type": "HEADER"},
        "GRID_ID": {"children": [], "id": "GRID_ID", "parents": ["ROOT_ID"], "type": "GRID"},
    }
    for r, row in enumerate(dashboard.rows):
        row_id = f"ROW-{dashboard.slug}-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "children": [],
            "id": row_id,
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
            "parents": ["ROOT_ID", "GRID_ID"],
            "type": "ROW",
        }
        for c, chart in enumerate(row):
            chart_id = f"CHART-{dashboard.slug}-{r}-{c}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "children": [],
                "id": chart_id,
                "meta": {
                    "chartId": 0,
                    "height": 30 if chart.kind == "big_number" else 60,
                    "sliceName": chart.name,
                    "uuid": charts[chart.name],
                    "width": chart.width,
                },
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "type": "CHART",
            }
    return position


def build() -> dict[str, dict]:
    """Relative path in the export -> the YAML document."""
    database_uuid = _uuid("database", DATABASE_NAME)
    files: dict[str, dict] = {
        "metadata.yaml": {
            "version": VERSION,
            "type": "Dashboard",
            "timestamp": "2026-12-04T00:00:00+00:00",
        },
        "databases/tbm_published.yaml": {
            "database_name": DATABASE_NAME,
            "sqlalchemy_uri": DATABASE_URI_PLACEHOLDER,
            "cache_timeout": None,
            "expose_in_sqllab": True,
            "allow_run_async": False,
            "allow_ctas": False,
            "allow_cvas": False,
            "allow_dml": False,
            "allow_file_upload": False,
            "extra": {"allows_virtual_table_explore": True},
            "impersonate_user": False,
            "uuid": database_uuid,
            "version": VERSION,
        },
    }
    for dataset in DATASETS.values():
        files[f"datasets/tbm_published/{dataset.table}.yaml"] = _dataset_yaml(
            dataset, database_uuid
        )
    for dashboard in DASHBOARDS:
        charts = {}
        for row in dashboard.rows:
            for chart in row:
                charts[chart.name] = _uuid("chart", chart.name)
                form = _form_data(chart)
                files[f"charts/{_slug(chart.name)}.yaml"] = {
                    "slice_name": chart.name,
                    "description": None,
                    "certified_by": None,
                    "certification_details": None,
                    "viz_type": form["viz_type"],
                    "params": form,
                    "query_context": json.dumps(_query(chart, form), sort_keys=True),
                    "cache_timeout": None,
                    "uuid": charts[chart.name],
                    "version": VERSION,
                    "dataset_uuid": _uuid("dataset", chart.dataset),
                }
        files[f"dashboards/{dashboard.slug}.yaml"] = {
            "dashboard_title": dashboard.title,
            "description": dashboard.description,
            "css": "",
            "slug": dashboard.slug,
            "certified_by": "",
            "certification_details": "",
            "published": True,
            "uuid": _uuid("dashboard", dashboard.slug),
            "position": _position(dashboard, charts),
            "metadata": {
                "color_scheme": "supersetColors",
                "refresh_frequency": 0,
                "expanded_slices": {},
                "label_colors": {},
                "timed_refresh_immune_slices": [],
                "cross_filters_enabled": False,
                "native_filter_configuration": [],
                "shared_label_colors": [],
                "color_scheme_domain": [],
            },
            "version": VERSION,
        }
    return files


def render(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    if EXPORT.exists():
        shutil.rmtree(EXPORT)
    for relative, document in build().items():
        path = EXPORT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document))
    print(f"wrote {EXPORT}")


if __name__ == "__main__":
    main()

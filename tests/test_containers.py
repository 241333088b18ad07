"""Deploy events and container usage: the loader takes them like every extract (real-shaped
files, quarantine with reasons), and the demo's cluster cost split to pods conserves the node
charges exactly, each part close to OpenCost's share computed here from the landing files.

The expected values come from the landing files through tests/landing_reader.py (the billing
oracle) and Python's csv and decimal modules, never from the models under test.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.pipeline.load import load_extract
from tests.landing_reader import current_snapshot_rows, parse_time, stored_amount

ORG_CLUSTERS = Path(__file__).parents[1] / "orgs" / "demo" / "container_clusters.csv"

# An hourly pod export shaped like OpenCost's allocation API rows (window start, cluster,
# namespace, pod, the `app` label, cpuCoreRequestAverage / cpuCoreUsageAverage and the RAM
# averages, converted to GiB) as a cost tool writes them to CSV. Deviations on purpose:
# - a UTF-8 BOM and CRLF line ends (Excel-saved exports);
# - an empty string for a pod without an `app` label (system pods: coredns);
# - exponent notation for a tiny usage (OpenCost's JSON numbers, e.g. 4.2e-05 cores);
# - 28 decimals (a .NET decimal written by a cost tool);
# - provider columns the spec does not know (x_node, x_controller_kind), kept in _extra_columns;
# - an RFC 3339 window start with an offset (+02:00), converted to UTC;
# - bad rows: a day/month/year timestamp, a pod without a name, a CPU value with a thousands
#   separator: each quarantined with its reason.
CONTAINER_FILE = (
    "\ufeffusage_hour,cluster_name,namespace,pod_name,service_id,cpu_cores_requested,"
    "cpu_cores_used,memory_gib_requested,memory_gib_used,x_node,x_controller_kind\r\n"
    "2026-09-01T00:00:00Z,platform-eks,commerce,checkout-7c9d8f6b5d-x2k4p,checkout,2,"
    "1.2500000000000000000000000001,8,5.5,ip-10-0-1-12,ReplicaSet\r\n"
    "2026-09-01T02:00:00+02:00,platform-eks,kube-system,coredns-5d78c9869d-abcde,,0.1,"
    "4.2e-05,0.0703125,0.05,ip-10-0-1-13,ReplicaSet\r\n"
    "01/09/2026 03:00,platform-eks,commerce,checkout-7c9d8f6b5d-x2k4p,checkout,2,1,8,5,"
    "ip-10-0-1-12,ReplicaSet\r\n"
    "2026-09-01T04:00:00Z,platform-eks,commerce,,checkout,2,1,8,5,ip-10-0-1-12,ReplicaSet\r\n"
    '2026-09-01T05:00:00Z,platform-eks,commerce,checkout-7c9d8f6b5d-x2k4p,checkout,"1,250",1,'
    "8,5,ip-10-0-1-12,ReplicaSet\r\n"
)

# Deployments as a CD tool's audit export gives them (Argo CD / GitHub deployments: finished at,
# application, revision, environment, commit), with an extra column and an empty environment
# (a tool that does not know environments), and one deployment without a version.
DEPLOY_FILE = (
    "deployed_at,service_id,version,environment,commit_sha,x_triggered_by\n"
    "2026-09-02T14:31:07.123Z,Search,1.4.2,production,"
    "68185DD7B2B5FE1C36B66ADE1ACECD67A81C7716,alice\n"
    "2026-09-03 09:00:00,checkout,2.0.0,,b18dcaf0917c81ac2470d0775ca647f4e724e433,ci\n"
    "2026-09-04T10:00:00Z,checkout,,production,,ci\n"
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def test_a_real_shaped_container_usage_file_loads_with_reasons_for_what_it_cannot_type(
    landing, con
):
    _write(landing / "container_usage" / "opencost_2026-09-01.csv", CONTAINER_FILE)
    (result,) = load_extract(con, landing, "container_usage", "run-1")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        5,
        2,
        3,
    )
    assert result.amounts_rounded == 1  # the 28-decimal value, rounded half-even to 12
    rows = con.execute(
        "select _line, usage_hour, namespace, service_id, cpu_cores_used, memory_gib_requested, "
        "_extra_columns from raw.container_usage order by _line"
    ).fetchall()
    rows = [(*r[:6], json.loads(r[6])) for r in rows]
    assert rows == [
        (
            2,
            datetime(2026, 9, 1, 0, 0),
            "commerce",
            "checkout",
            Decimal("1.250000000000"),
            Decimal(8),
            {"x_node": "ip-10-0-1-12", "x_controller_kind": "ReplicaSet"},
        ),
        (
            3,
            datetime(2026, 9, 1, 0, 0),  # 02:00 at +02:00
            "kube-system",
            None,  # the empty string is null
            Decimal("0.000042"),
            Decimal("0.0703125"),
            {"x_node": "ip-10-0-1-13", "x_controller_kind": "ReplicaSet"},
        ),
    ]
    quarantined = con.execute(
        "select line, column_name, reason from raw.quarantine order by line"
    ).fetchall()
    assert [(line, column) for line, column, _ in quarantined] == [
        (4, "usage_hour"),
        (5, "pod_name"),
        (6, "cpu_cores_requested"),
    ]
    assert "'01/09/2026 03:00' is not a valid timestamp" in quarantined[0][2]
    assert quarantined[1][2] == "pod_name: required value is missing"
    assert "'1,250' is not a valid decimal" in quarantined[2][2]
    # reloading the same file changes nothing
    assert load_extract(con, landing, "container_usage", "run-2")[0].status == "skipped"
    assert con.execute("select count(*) from raw.container_usage").fetchone() == (2,)


def test_a_cd_tool_export_loads_deploys_and_quarantines_one_without_version(landing, con):
    _write(landing / "deploy_events" / "deploys.csv", DEPLOY_FILE)
    (result,) = load_extract(con, landing, "deploy_events", "run-1")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    rows = con.execute(
        "select deployed_at, service_id, version, environment from raw.deploy_events order by _line"
    ).fetchall()
    assert rows == [
        (datetime(2026, 9, 2, 14, 31, 7, 123000), "Search", "1.4.2", "production"),
        (datetime(2026, 9, 3, 9, 0), "checkout", "2.0.0", None),
    ]
    assert con.execute("select line, reason from raw.quarantine").fetchall() == [
        (4, "version: required value is missing")
    ]


# ---------------------------------------------------------------------------------------------
# The demo: conservation and OpenCost's shares, from the landing files
# ---------------------------------------------------------------------------------------------


def _cluster() -> dict[str, str]:
    with ORG_CLUSTERS.open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    return row


def _node_cost_by_day(landing: Path, cluster: dict[str, str]) -> dict:
    """The cluster's node charges of the current snapshots, summed per charge day (USD)."""
    current, _ = current_snapshot_rows(landing)
    costs: dict = defaultdict(Decimal)
    for record in current:
        v = record.values
        provider = v.get("ServiceProviderName") or v.get("ProviderName")
        if (provider, v.get("SubAccountId"), v.get("ServiceName"), v.get("ResourceType")) == (
            cluster["provider_name"],
            cluster["sub_account_id"],
            cluster["service_name"],
            cluster["resource_type"],
        ):
            assert v["BillingCurrency"] == "USD"  # the reporting currency: no conversion
            costs[parse_time(v["ChargePeriodStart"]).date()] += stored_amount(v["EffectiveCost"])
    return dict(costs)


def _usage(landing: Path) -> dict:
    """(hour, namespace, pod) -> (max(cpu request, use), max(memory request, use)), from the
    container usage files (the latest file wins a repeated pod hour)."""
    claims = {}
    for path in sorted((landing / "container_usage").glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for r in csv.DictReader(handle):
                hour = datetime.fromisoformat(r["usage_hour"]).astimezone(UTC).replace(tzinfo=None)
                claims[(hour, r["namespace"], r["pod_name"])] = (
                    max(Decimal(r["cpu_cores_requested"]), Decimal(r["cpu_cores_used"])),
                    max(Decimal(r["memory_gib_requested"]), Decimal(r["memory_gib_used"])),
                )
    return claims


def _opencost_shares(claims: dict, cluster: dict[str, str], day) -> dict:
    """(hour, namespace, pod) -> its exact share of the day, idle lines included (OpenCost: the
    larger of request and use over the capacity, CPU and memory weighted; the rest idle)."""
    cpu_w, mem_w = Decimal(cluster["cpu_cost_weight"]), Decimal(cluster["memory_cost_weight"])
    cpu_w, mem_w = cpu_w / (cpu_w + mem_w), mem_w / (cpu_w + mem_w)
    by_hour = defaultdict(dict)
    for (hour, ns, pod), claim in claims.items():
        if hour.date() == day:
            by_hour[hour][(ns, pod)] = claim
    shares = {}
    for h in range(24):
        hour = datetime(day.year, day.month, day.day, h)
        pods = by_hour.get(hour, {})
        cpu_cap = max(Decimal(cluster["cpu_cores"]), sum((c for c, _ in pods.values()), Decimal(0)))
        mem_cap = max(
            Decimal(cluster["memory_gib"]), sum((m for _, m in pods.values()), Decimal(0))
        )
        idle = Decimal(1)
        for (ns, pod), (cpu, mem) in pods.items():
            share = cpu_w * cpu / cpu_cap + mem_w * mem / mem_cap
            shares[(hour, ns, pod)] = share / 24
            idle -= share
        shares[(hour, "__idle__", "__idle__")] = idle / 24
    return shares


@pytest.mark.e2e
def test_the_demo_cluster_cost_is_split_to_pods_exactly_with_idle_on_its_own_line(
    demo_template, open_warehouse
):
    landing = demo_template["landing"]
    cluster = _cluster()
    node_costs = _node_cost_by_day(landing, cluster)
    assert len(node_costs) == 92  # every day of August to October
    con = open_warehouse(demo_template["published"])
    parts = con.execute(
        "select cost_date, usage_hour, namespace, pod_name, is_idle, allocated_cost_reporting "
        "from marts.fct_container_costs_hourly where cluster_name = ?",
        [cluster["cluster_name"]],
    ).fetchall()
    by_day = defaultdict(Decimal)
    for day, *_, cost in parts:
        by_day[day] += cost
    # conservation: every day's parts are the day's node charges, to the last decimal
    assert dict(by_day) == node_costs
    # idle is a line of its own in every hour, and no pod line is idle
    idle_hours = {(day, hour) for day, hour, ns, pod, idle, _ in parts if idle}
    assert len(idle_hours) == 92 * 24
    assert all(ns == pod == "__idle__" for _, _, ns, pod, idle, _ in parts if idle)
    # OpenCost's shares, computed here from the usage files, on three days
    claims = _usage(landing)
    got = {(h, ns, pod): cost for d, h, ns, pod, _, cost in parts}
    for day in sorted(node_costs)[::40]:
        shares = _opencost_shares(claims, cluster, day)
        for key, share in shares.items():
            # weights are taken at 6 decimals: a part is within a millionth of the day's cost
            assert abs(got[key] - node_costs[day] * share) < node_costs[day] / 1_000_000, key
        assert sum(1 for k in got if k[0].date() == day) == len(shares)


@pytest.mark.e2e
def test_some_demo_deploys_precede_a_step_in_the_services_pod_cost(demo_template, open_warehouse):
    """The debug view's story: a deployment, then the service's pods cost about twice as much."""
    con = open_warehouse(demo_template["published"])
    steps = con.execute(
        """
        with pods as (
            select service_id, cost_date, sum(allocated_cost_reporting) as cost
            from marts.fct_container_costs_hourly
            where service_id is not null
            group by all
        )
        select deploys.service_id, deploys.cost_date
        from marts.fct_deploys_against_cost_daily as deploys
        inner join pods as before
            on before.service_id = deploys.service_id
            and before.cost_date = deploys.cost_date - 1
        inner join pods as after
            on after.service_id = deploys.service_id
            and after.cost_date = deploys.cost_date + 1
        where deploys.deploy_count > 0 and after.cost > 1.5 * before.cost
        """
    ).fetchall()
    assert len(steps) >= 3, steps

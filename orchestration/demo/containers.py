"""Deploy events and Kubernetes container usage for the demo's cluster (company/containers.csv:
one pod per row, its namespace and base CPU and memory requests; an empty `service` is a system
pod no label ties to a service, written with an empty service_id as real exports do).

Every business service of services.csv deploys every few days (weekdays, working hours); a few
deployments go to staging. A deployment starts a new pod (a new ReplicaSet hash in the pod name)
from the next full hour, and its version sizes the pod: most versions keep the base requests
(+/- 10%), about one in four doubles them, so some deployments visibly precede a step of the
service's cost. Use is a daily curve of the requests, now and then above them (a burst).

The draws come from their own random streams (DEPLOY_STREAM, CONTAINER_STREAM), so the other
landing files are the same with or without these extracts.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.demo.company_data import Company
from orchestration.demo.months import Month

CLUSTER = "platform-eks"  # orgs/demo/container_clusters.csv names its node charges
POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the characters Kubernetes uses in pod names
STEP_FACTOR = 2.0


@dataclass(frozen=True)
class Pod:
    service: str  # '' for a system pod
    namespace: str
    cpu_cores: float
    memory_gib: float

    @property
    def workload(self) -> str:
        return self.service or "coredns"


@dataclass
class Deploy:
    at: dt.datetime
    service: str
    version: str
    environment: str
    commit_sha: str
    size: float  # the version's requests as a multiple of the base


def load_pods(path: Path | None = None) -> list[Pod]:
    path = path or Path(__file__).with_name("company") / "containers.csv"
    with path.open(newline="") as handle:
        return [
            Pod(r["service"], r["namespace"], float(r["cpu_cores"]), float(r["memory_gib"]))
            for r in csv.DictReader(handle)
        ]


def pod_name(workload: str, key: str) -> str:
    """`<workload>-<replicaset hash>-<suffix>` as Kubernetes names a Deployment's pod; the hash
    and suffix derive from `key` (the version's commit), so a version keeps its pod name."""
    digest = hashlib.sha256(key.encode()).digest()
    chars = "".join(POD_ALPHABET[b % len(POD_ALPHABET)] for b in digest[:15])
    return f"{workload}-{chars[:10]}-{chars[10:]}"


def deploys(
    company: Company, months: list[Month], rng_of: Callable[[int], np.random.Generator]
) -> list[Deploy]:
    """The deployments of every service over the months, in time order. Each service draws from
    its own stream (`rng_of(its position in services.csv)`), so generating more months leaves
    the deployments of the earlier ones, and their container usage files, as they were."""
    first = months[0].date(1)
    last = months[-1].date(months[-1].days)
    out: list[Deploy] = []
    for i, svc in enumerate(company.services):
        rng = rng_of(i)
        minor, patch = int(rng.integers(1, 9)), 0
        day = first + dt.timedelta(days=int(rng.integers(0, 5)))
        while day <= last:
            if day.weekday() < 5:
                at = dt.datetime.combine(day, dt.time(int(rng.integers(9, 18)))) + dt.timedelta(
                    minutes=int(rng.integers(0, 60))
                )
                staging = rng.random() < 0.15
                if rng.random() < 0.3:
                    minor, patch = minor + 1, 0
                else:
                    patch += 1
                size = STEP_FACTOR if rng.random() < 0.25 else float(rng.uniform(0.9, 1.1))
                sha = "".join(f"{b:02x}" for b in rng.integers(0, 256, 20))
                out.append(
                    Deploy(
                        at,
                        svc,
                        f"1.{minor}.{patch}",
                        "staging" if staging else "production",
                        sha,
                        size,
                    )
                )
            day += dt.timedelta(days=int(rng.integers(3, 9)))
    return sorted(out, key=lambda d: (d.at, d.service))


def deploy_rows(events: list[Deploy]) -> list[list[str | None]]:
    return [
        [d.at.strftime("%Y-%m-%dT%H:%M:00Z"), d.service, d.version, d.environment, d.commit_sha]
        for d in events
    ]


def usage_rows(
    pods: list[Pod], events: list[Deploy], m: Month, rng: np.random.Generator
) -> list[list[str | None]]:
    """One row per pod and hour of the month: requests of the running version, average use."""
    start = dt.datetime.combine(m.date(1), dt.time())
    hours = m.days * 24
    out: list[list[str | None]] = []
    for pod in pods:
        production = [d for d in events if d.service == pod.service and d.environment != "staging"]
        name = pod_name(pod.workload, f"{pod.namespace}/{pod.workload}")
        size = 1.0
        starts = {}  # hour index -> (pod name, size) from that hour on
        for d in production:
            begin = (d.at.replace(minute=0) + dt.timedelta(hours=1) - start) // dt.timedelta(
                hours=1
            )
            if begin <= 0:
                name, size = pod_name(pod.workload, d.commit_sha), d.size
            elif begin < hours:
                starts[begin] = (pod_name(pod.workload, d.commit_sha), d.size)
        noise = rng.lognormal(0.0, 0.08, hours)
        bursts = rng.random(hours) < 0.02
        for h in range(hours):
            if h in starts:
                name, size = starts[h]
            at = start + dt.timedelta(hours=h)
            daily = 0.55 + 0.35 * np.sin(np.pi * max(0, at.hour - 6) / 16) if at.hour > 6 else 0.5
            cpu_req = pod.cpu_cores * size
            mem_req = pod.memory_gib * size
            cpu_used = cpu_req * daily * noise[h] * (1.4 if bursts[h] else 1.0)
            mem_used = mem_req * (0.6 + 0.25 * daily) * noise[h]
            out.append(
                [
                    at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    CLUSTER,
                    pod.namespace,
                    name,
                    pod.service,
                    f"{cpu_req:.3f}",
                    f"{cpu_used:.4f}",
                    f"{mem_req:.3f}",
                    f"{mem_used:.4f}",
                ]
            )
    return out

"""Service telemetry (one row per service per day) from the baselines in company/telemetry.csv:
weekday swing, a slow growth and noise; SLO good events just below the total; CI runner minutes
of the builds; observability ingest per host; the incidents and ingest spikes of
company/telemetry_events.csv.

`rng` draws what the telemetry always drew, in the same order; `extra` draws the columns and the
thinning of SLO errors added later, so that adding them left every earlier value as it was."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from orchestration.demo.company_data import Company
from orchestration.demo.months import WEEKDAY_FACTOR, Month


def telemetry_rows(
    company: Company, m: Month, rng: np.random.Generator, extra: np.random.Generator
) -> list[list[str | None]]:
    events = {
        (e.service, day, e.event): e.value
        for e in company.telemetry_events
        if e.month == m.idx
        for day in range(e.first_day, e.last_day + 1)
    }
    out: list[list[str | None]] = []
    for day in range(1, m.days + 1):
        date = m.date(day)
        wf = float(WEEKDAY_FACTOR[date.weekday()])
        growth = 1.0 + 0.001 * (m.idx * 31 + day)
        for svc in company.services:
            req, cpu, sto, users, builds, hosts, ci_minutes, ingest_mb, error_pct = (
                company.telemetry[svc]
            )
            noise = rng.lognormal(0.0, 0.05, 6)
            requests = int(req * wf * growth * noise[0])
            cpu_centi = int(cpu * (0.85 + 0.15 * wf) * growth * noise[1] * 100)
            storage_milli = int(sto * growth * 1000 * (1 + 0.01 * noise[2]))
            active = int(users * wf * growth * noise[3])
            ci = int(builds * (wf if wf > 0.9 else 0.15) * noise[4])
            n_hosts = max(1, round(hosts * (0.9 + 0.1 * wf) * noise[5]))
            total = requests
            bad = int(rng.binomial(total, float(rng.uniform(0.0002, 0.003))))
            # the service keeps error_pct % of the drawn errors (a binomial thinning)
            bad = int(extra.binomial(bad, error_pct / 100))
            incident = events.get((svc, day, "slo_incident"))
            if incident:
                bad = max(bad, total * incident // 10_000)
            runner_minutes = int(ci * ci_minutes * extra.lognormal(0.0, 0.1))
            ingest_mb = int(n_hosts * ingest_mb * extra.lognormal(0.0, 0.05))
            ingest_mb *= events.get((svc, day, "ingest_spike"), 1)
            out.append(
                [
                    date.isoformat(),
                    svc,
                    str(requests),
                    f"{cpu_centi // 100}.{cpu_centi % 100:02d}",
                    f"{storage_milli // 1000}.{storage_milli % 1000:03d}",
                    str(active),
                    str(ci),
                    str(n_hosts),
                    str(total - bad),
                    str(total),
                    str(runner_minutes),
                    f"{ingest_mb // 1000}.{ingest_mb % 1000:03d}",
                ]
            )
    return out


def monthly_totals(rows: list[list[str | None]], column: int) -> Decimal:
    """The sum of one telemetry column over a month's rows (an invoice quantity it bills)."""
    return sum((Decimal(r[column]) for r in rows if r[column] is not None), Decimal(0))

"""Service telemetry (one row per service per day) from the baselines in company/telemetry.csv:
weekday swing, a slow growth and noise; SLO good events just below the total."""

from __future__ import annotations

import numpy as np

from orchestration.demo.company_data import Company
from orchestration.demo.months import WEEKDAY_FACTOR, Month


def telemetry_rows(company: Company, m: Month, rng: np.random.Generator) -> list[list[str | None]]:
    out: list[list[str | None]] = []
    for day in range(1, m.days + 1):
        date = m.date(day)
        wf = float(WEEKDAY_FACTOR[date.weekday()])
        growth = 1.0 + 0.001 * (m.idx * 31 + day)
        for svc in company.services:
            req, cpu, sto, users, builds, hosts = company.telemetry[svc]
            noise = rng.lognormal(0.0, 0.05, 6)
            requests = int(req * wf * growth * noise[0])
            cpu_centi = int(cpu * (0.85 + 0.15 * wf) * growth * noise[1] * 100)
            storage_milli = int(sto * growth * 1000 * (1 + 0.01 * noise[2]))
            active = int(users * wf * growth * noise[3])
            ci = int(builds * (wf if wf > 0.9 else 0.15) * noise[4])
            n_hosts = max(1, round(hosts * (0.9 + 0.1 * wf) * noise[5]))
            total = requests
            bad = int(rng.binomial(total, float(rng.uniform(0.0002, 0.003))))
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
                ]
            )
    return out

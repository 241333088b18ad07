"""Measure what the quality gates add to `tbm run` on the demo: alternating pairs of runs with and
without the gates, each on a fresh warehouse, wall clock and CPU time (user + sys of the whole
process tree, dbt included), medians. CPU time is what to compare on a shared, loaded machine.

    .venv/bin/python scripts/bench_gates.py --pairs 3 --rows 20000

"Without the gates" is the same command and the same job with the GX checks left out of the
Dagster definitions and no Great Expectations import: this script does it from the outside
(`_without_gates` below), so the product has no switch that skips the gates.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def _without_gates() -> None:
    """Leave the GX checks out of the definitions and skip the GX warm-up (bench only)."""
    import orchestration.defs.gates.checks as checks
    import orchestration.pipeline.gates as gates

    checks.GATE_CHECKS = []
    gates.warm_up = lambda: None


def _tbm(mode: str, argv: list[str]) -> None:
    if mode == "without":
        _without_gates()
    from orchestration.cli import main

    sys.argv = ["tbm", *argv]
    main()


def _one_run(mode: str, landing: Path, work: Path) -> dict:
    warehouse = work / f"wh-{mode}" / "tbm.duckdb"
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, __file__, "--tbm", mode, "run", "--landing", str(landing)]
    command += ["--warehouse", str(warehouse)]
    before = os.times()
    started = time.monotonic()
    run = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = os.times()
    if run.returncode != 0:
        raise SystemExit(f"{mode}: exit {run.returncode}\n{run.stdout}\n{run.stderr}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    gate = re.search(r"gate checks took ([0-9.]+)s of the run's ([0-9.]+)s", run.stdout)
    job = re.search(r"Ran .*? in ([0-9.]+) ?s", run.stdout)
    return {
        "mode": mode,
        "wall": wall,
        "cpu": cpu,
        "gate_steps": float(gate.group(1)) if gate else 0.0,
        "run_seconds": float(gate.group(2)) if gate else (float(job.group(1)) if job else None),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--landing", type=Path, help="reuse this landing folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-gates-"))
    landing = args.landing
    if landing is None:
        landing = work / "landing"
        tbm = Path(sys.executable).parent / "tbm"
        subprocess.run(
            [str(tbm), "generate", "--rows", str(args.rows), "--landing", str(landing)],
            cwd=PROJECT,
            check=True,
            capture_output=True,
        )
    runs = []
    for pair in range(args.pairs):
        order = ("with", "without") if pair % 2 == 0 else ("without", "with")
        for mode in order:
            result = _one_run(mode, landing, work)
            runs.append(result)
            print(
                f"pair {pair + 1} {mode:>7}: wall {result['wall']:6.1f} s  "
                f"cpu {result['cpu']:6.1f} s  gate steps {result['gate_steps']:4.1f} s  "
                f"load {result['load']:.1f}",
                flush=True,
            )
    shutil.rmtree(work, ignore_errors=True)

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs if r["mode"] == mode)

    for key in ("wall", "cpu"):
        with_, without = median("with", key), median("without", key)
        print(
            f"median {key}: with {with_:.1f} s, without {without:.1f} s, "
            f"+{with_ - without:.1f} s ({(with_ / without - 1):+.1%})"
        )
    steps = median("with", "gate_steps")
    print(f"median gate check steps: {steps:.1f} s ({steps / median('with', 'wall'):.1%} of wall)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--tbm":
        _tbm(sys.argv[2], sys.argv[3:])
    else:
        main()

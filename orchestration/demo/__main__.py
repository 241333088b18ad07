"""`python -m orchestration.demo LANDING [--rows N ...]`: write the demo landing files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from orchestration.demo.landing import generate


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Write the demo landing files.")
    p.add_argument("landing", type=Path)
    p.add_argument("--rows", type=int, default=60_000)
    p.add_argument("--months", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start-month", default="2026-08")
    p.add_argument("--inject-errors", action="store_true")
    a = p.parse_args(argv)
    report = generate(a.landing, a.rows, a.months, a.seed, a.start_month, a.inject_errors)
    for f in report.files:
        print(f"{f.rows:>10}  {f.focus_version or '':4}  {f.path}")


if __name__ == "__main__":
    main()

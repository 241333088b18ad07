"""Where the dbt project is, and a manifest that is never stale when the graph is loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.lib.settings import PROJECT_DIR

MANIFEST = PROJECT_DIR / "target" / "manifest.json"
SOURCES = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "data-tests",
    "snapshots",
)


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = PROJECT_DIR / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than any project file."""
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    # A subprocess, not dbtRunner: dbt in-process reconfigures the root logger of the caller.
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt),
            "parse",
            "--quiet",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}{result.stderr}")
    return MANIFEST

"""Where the dbt project is, and a manifest that is never stale when the graph is loaded.

Partial parsing: dagster-dbt copies `target/partial_parse.msgpack` into each invocation's own
target folder, and dbt reuses it only when the connection (warehouse path, spill folder, memory
limit) and the target are those it was parsed with; otherwise dbt re-parses the whole project
(several seconds) inside `dbt build`. So `ensure_manifest` parses again, once, whenever the
project files or that key changed, and the dbt build then starts from a ready parse.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestration.org import stage_for_dbt
from orchestration.settings import PROJECT_DIR, Settings
from orchestration.warehouse.control_tables import ensure_audit_schema

MANIFEST = PROJECT_DIR / "target" / "manifest.json"
PARSE_KEY = PROJECT_DIR / "target" / "tbm_parse_key.json"
PARTIAL_PARSE = "partial_parse.msgpack"
SOURCES = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "data-tests",
    "snapshots",
)


def _newest_source_mtime(settings: Settings) -> float:
    newest = 0.0
    for path in [*(PROJECT_DIR / name for name in SOURCES), settings.org]:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for child in path.rglob("*"):
                if child.is_file():
                    newest = max(newest, child.stat().st_mtime)
    return newest


def _parse_key(settings: Settings) -> dict[str, str]:
    """What dbt's partial parsing compares besides the files: target and connection."""
    return {
        "target": settings.dbt_target,
        "org": str(settings.org),
        "warehouse": str(settings.warehouse),
        "temp_dir": str(settings.temp_dir),
        "memory_limit": settings.memory_limit,
    }


def _parse_is_current(settings: Settings) -> bool:
    if not MANIFEST.exists() or MANIFEST.stat().st_mtime < _newest_source_mtime(settings):
        return False
    try:
        return json.loads(PARSE_KEY.read_text()) == _parse_key(settings)
    except (OSError, ValueError):
        return False


def ensure_manifest(settings: Settings) -> Path:
    """Run `dbt parse` when the manifest is missing or older than any project file, or was
    parsed for another warehouse or target (see the module docstring).

    Runs on other warehouses may parse at the same time from the same project, and a run reads
    target/manifest.json as it loads the Dagster definitions: so one parse at a time (a lock
    file), into a folder of its own, and its files renamed into target/ (a reader sees the old
    or the new manifest, never a half-written one)."""
    stage_for_dbt(settings)
    if _parse_is_current(settings):
        return MANIFEST
    target = MANIFEST.parent
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _parse_is_current(settings):  # another run parsed while this one waited
            return MANIFEST
        with tempfile.TemporaryDirectory(dir=target, prefix=".parse-") as scratch:
            if (target / PARTIAL_PARSE).exists():  # let dbt reuse what it can
                shutil.copy2(target / PARTIAL_PARSE, Path(scratch) / PARTIAL_PARSE)
            _parse(settings, Path(scratch))
            for name in (PARTIAL_PARSE, "semantic_manifest.json", MANIFEST.name):
                if (Path(scratch) / name).exists():
                    os.replace(Path(scratch) / name, target / name)
            key = Path(scratch) / PARSE_KEY.name
            key.write_text(json.dumps(_parse_key(settings)))
            os.replace(key, PARSE_KEY)
    return MANIFEST


def _parse(settings: Settings, target_path: Path) -> None:
    result = run_dbt(
        "parse",
        target=settings.dbt_target,
        target_path=target_path,
        env=settings.dbt_environment(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}{result.stderr}")


def run_dbt(
    *args: str, target: str, target_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`dbt ARGS --quiet` on this project with TARGET, its artifacts in TARGET_PATH (not target/,
    which holds the manifest that Dagster and other runs read); ENV: the process's environment
    (default: this one's).

    A subprocess, not dbtRunner: dbt in-process reconfigures the root logger of the caller."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *(*args, "--quiet", "--target", target),
            *("--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)),
            *("--target-path", str(target_path)),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# Inputs of the incremental models besides the landing data: the project's SQL, seeds and
# configuration, the organisation folder (catalog, mapping rules, pools), and the settings that
# change their rows (the reporting currency, the target). Partial parsing and incremental builds
# both key on "what the project is".
FINGERPRINT_SOURCES = ("dbt_project.yml", "models", "macros", "seeds")


def project_fingerprint(settings: Settings) -> str:
    """sha256 of every file that defines the models' logic, and of the settings they read.

    The incremental models rebuild only months whose data changed; a changed mapping rule, seed,
    model or reporting currency changes every month, so a build whose fingerprint differs from
    the last successful build's runs as a full refresh (orchestration/defs/dbt/assets.py)."""
    digest = hashlib.sha256()
    roots = [(PROJECT_DIR / name, PROJECT_DIR) for name in FINGERPRINT_SOURCES]
    for root, base in [*roots, (settings.org, settings.org)]:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(path.relative_to(base).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"TBM_REPORTING_CURRENCY={settings.reporting_currency}\0".encode())
    # each engine keeps its own incremental tables: a build after a build on the other engine
    # cannot rely on this one's months
    digest.update(f"target={settings.dbt_target}\0".encode())
    return digest.hexdigest()


def last_build_fingerprint(con) -> str | None:
    """The fingerprint of the last dbt build that completed on this warehouse, if any."""
    ensure_audit_schema(con)
    row = con.execute(
        "select fingerprint from audit.dbt_builds order by built_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def record_build_fingerprint(con, fingerprint: str, run_id: str) -> None:
    con.execute(
        "insert into audit.dbt_builds values (?, ?, current_timestamp)", [run_id, fingerprint]
    )


def prune_invocation_folders(
    prefix: str, keep: int = 10, min_age_seconds: float = 3600, target: Path | None = None
) -> list[Path]:
    """Remove old dbt invocation folders: dagster-dbt gives every dbt command of a run its own
    folder under target/ (`<op name>-<run id>-<uuid>`: manifest, compiled SQL, run results,
    about 30 MB) and never removes one; they had reached 7 GB here. Keeps the newest `keep`
    and every folder younger than `min_age_seconds` (its invocation may still be running in
    another process); returns what it removed."""
    target = target or PROJECT_DIR / "target"
    folders = sorted(
        (p for p in target.glob(f"{prefix}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    now = time.time()
    removed = []
    for folder in folders[keep:]:
        if now - folder.stat().st_mtime >= min_age_seconds:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed

"""Where the dbt project is, and a manifest that is never stale when the graph is loaded.

Partial parsing: dbt reuses its last parse (`partial_parse.msgpack`) only when the target, the
variables and the connection are those it was parsed with; otherwise it parses the whole project
again (13 s of CPU here). The connection of the duckdb target names the warehouse file, its
spill folder and memory limit, none of which changes what a parse produces; only the file's name
does (dbt-duckdb names the database after it). So a parse is kept per target, organisation
folder and database name (`parse_folder`, under target/parses/): `ensure_manifest` parses when
the project files changed or that combination has no parse yet, and `seed_partial_parse` gives
each dbt command its own copy of its parse, stamped with the connection it runs on. A run on
another warehouse, or several at once on several warehouses or for several organisations, starts
from a ready parse, and none replaces another's. Were the stamp wrong, dbt would parse again:
slower, never wrong.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pprint
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import jinja2
import msgpack
import yaml

from orchestration.org import stage_for_dbt
from orchestration.settings import PROJECT_DIR, Settings, set_library_switches
from orchestration.warehouse.control_tables import ensure_audit_schema

set_library_switches()  # for the dbt subprocesses (orchestration/settings.py)

PARSES = PROJECT_DIR / "target" / "parses"
MANIFEST = "manifest.json"
PARSE_KEY = "tbm_parse_key.json"
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
    """What a parse depends on besides the project files (see the module docstring)."""
    return {
        "target": settings.dbt_target,
        "org": str(settings.org),
        "database": settings.warehouse.stem,
    }


def parse_folder(settings: Settings) -> Path:
    """The folder of the parse for SETTINGS (its target, organisation folder, database name)."""
    key = json.dumps(_parse_key(settings), sort_keys=True)
    return PARSES / hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _parse_is_current(settings: Settings) -> bool:
    manifest = parse_folder(settings) / MANIFEST
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(settings):
        return False
    try:
        return json.loads((manifest.parent / PARSE_KEY).read_text()) == _parse_key(settings)
    except (OSError, ValueError):
        return False


def ensure_manifest(settings: Settings) -> Path:
    """The manifest of the project for SETTINGS: `dbt parse` runs when the project files changed
    since that parse, or there is none yet (the module docstring). Returns its path.

    Runs on other warehouses may parse at the same time from the same project, and a run reads
    its manifest as it loads the Dagster definitions: so one parse at a time (a lock file), into
    a scratch folder, and its files renamed into the parse's folder (a reader sees the old or the
    new manifest, never a half-written one)."""
    stage_for_dbt(settings)
    folder = parse_folder(settings)
    if _parse_is_current(settings):
        return folder / MANIFEST
    folder.mkdir(parents=True, exist_ok=True)
    with (PARSES / ".parse.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _parse_is_current(settings):  # another run parsed while this one waited
            return folder / MANIFEST
        with tempfile.TemporaryDirectory(dir=PARSES, prefix=".parse-") as scratch:
            seed_partial_parse(settings, Path(scratch))  # let dbt reuse what it can
            _parse(settings, Path(scratch))
            for name in (PARTIAL_PARSE, "semantic_manifest.json", MANIFEST):
                if (Path(scratch) / name).exists():
                    os.replace(Path(scratch) / name, folder / name)
            key = Path(scratch) / PARSE_KEY
            key.write_text(json.dumps(_parse_key(settings)))
            os.replace(key, folder / PARSE_KEY)
    return folder / MANIFEST


def _parse(settings: Settings, target_path: Path) -> None:
    result = run_dbt(
        "parse",
        target=settings.dbt_target,
        target_path=target_path,
        env=settings.dbt_environment(),
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}{result.stderr}")


def seed_partial_parse(settings: Settings, target_path: Path, source: Path | None = None) -> None:
    """Put the project's parse for SETTINGS (or SOURCE) into TARGET_PATH, the target folder of a
    dbt command run with SETTINGS, stamped with that command's connection (the module
    docstring). dagster-dbt copies `target/partial_parse.msgpack` into a command's folder only
    where none is there."""
    source = source or parse_folder(settings) / PARTIAL_PARSE
    if not source.exists():
        return
    with source.open("rb") as f:
        parse = msgpack.unpack(f, raw=False, strict_map_key=False)
    if settings.dbt_target == "duckdb":
        parse["state_check"]["profile_hash"] = {
            "name": "sha256",
            "checksum": duckdb_profile_hash(settings),
        }
    target_path.mkdir(parents=True, exist_ok=True)
    with (target_path / PARTIAL_PARSE).open("wb") as f:
        msgpack.pack(parse, f)


def duckdb_profile_hash(settings: Settings) -> str:
    """The `profile_hash` dbt computes for the duckdb target of profiles.yml with SETTINGS: the
    sha256 of the sorted connection info of its credentials (`build_manifest_state_check` in
    dbt/parser/manifest.py)."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    environment = settings.dbt_environment()

    def env_var(name: str, default: str | None = None) -> str:
        return environment.get(name, default)

    def render(value):
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, str):
            return jinja2.Template(value).render(env_var=env_var)
        return value

    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    output = profiles["tbm_warehouse"]["outputs"]["duckdb"]
    # dbt takes `type` and `threads` out of the output; the rest are the credentials
    fields = {key: render(value) for key, value in output.items() if key not in ("type", "threads")}
    info = sorted(DuckDBCredentials.from_dict(fields).connection_info())
    return hashlib.sha256(pprint.pformat(info).encode("utf-8")).hexdigest()


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


def invocation_folder(op_name: str, run_id: str) -> Path:
    """A new target folder for one dbt command of a run, named as dagster-dbt names its own
    (`<op name>-<run id>-<uuid>`, which `prune_invocation_folders` removes when old)."""
    return PROJECT_DIR / "target" / f"{op_name}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


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

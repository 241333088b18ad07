"""`tbm dashboards serve`: the executive, on-call and debug dashboards in Apache Superset over
the published file.

Superset lives in its own environment (`.venv-superset`, locked by
dashboards/superset/uv.lock, installed by scripts/superset-env): this process never imports it,
it runs that environment's executables. Everything of one warehouse is in
`<warehouse folder>/superset/`: the metadata database, the secret key and the admin's generated
password (`admin_password`, mode 600), both made once and kept. Each serve brings the metadata
up to date, imports the dashboards of dashboards/export/ with the connection
`duckdb:///<published file>?access_mode=read_only`, then becomes the web server (gunicorn) on
127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import PROJECT_DIR

SUPERSET_ENV = PROJECT_DIR / ".venv-superset"
DASHBOARDS_DIR = PROJECT_DIR / "dashboards"
EXPORT_DIR = DASHBOARDS_DIR / "export"
CONFIG = DASHBOARDS_DIR / "superset" / "superset_config.py"
BOOTSTRAP = DASHBOARDS_DIR / "superset" / "bootstrap.py"


class DashboardsError(Exception):
    """A verdict for the user (no Superset environment, nothing published, import failed)."""


@dataclass(frozen=True)
class Served:
    home: Path
    password_file: Path
    command: list[str]
    env: dict[str, str]


def _secret_file(path: Path) -> None:
    """PATH with a new random secret, readable by its owner only, unless it exists."""
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(24) + "\n")


def prepare(published: Path, home: Path, port: int, workers_threads: int = 8) -> Served:
    """Metadata, admin and dashboards ready under HOME; returns the server's command line."""
    python = SUPERSET_ENV / "bin" / "python"
    gunicorn = SUPERSET_ENV / "bin" / "gunicorn"
    if not (python.exists() and gunicorn.exists()):
        raise DashboardsError(
            f"no Superset environment at {SUPERSET_ENV}: install it with "
            "`bash scripts/superset-env`"
        )
    if not published.exists():
        raise DashboardsError(f"no published file {published}: run `tbm run` (or `tbm demo`)")
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)  # the metadata database holds the users' password hashes
    _secret_file(home / "secret_key")
    password_file = home / "admin_password"
    _secret_file(password_file)
    env = {
        **os.environ,
        "TBM_SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "PYTHONPATH": str(CONFIG.parent),
    }
    result = subprocess.run(
        [str(python), str(BOOTSTRAP), str(EXPORT_DIR), str(published.resolve()), password_file],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        (home / "bootstrap.log").write_text(result.stdout + result.stderr)
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise DashboardsError(
            f"Superset's set-up failed: {last} (whole output: {home / 'bootstrap.log'})"
        )
    command = [
        str(gunicorn),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        str(workers_threads),
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "superset.app:create_app()",
    ]
    return Served(home, password_file, command, env)

"""Prepares Superset's metadata for `tbm dashboards serve`; runs in the Superset environment
(.venv-superset/bin/python), never in the pipeline's.

    bootstrap.py EXPORT_DIR PUBLISHED_FILE ADMIN_PASSWORD_FILE

with TBM_SUPERSET_HOME and SUPERSET_CONFIG_PATH set (orchestration/commands/dashboards.py sets
them). In one process (each `superset` command costs seconds of start-up): the metadata
database's migrations, the roles, the `admin` user with the password in ADMIN_PASSWORD_FILE,
and the dashboards of EXPORT_DIR with their charts, datasets and the DuckDB connection to
PUBLISHED_FILE (read-only), overwriting what an earlier serve imported. Idempotent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ADMIN = "admin"


def bundle(export: Path, published: Path) -> dict[str, str]:
    """The export as Superset's importers take it (path in the zip -> text), with the
    connection pointed at PUBLISHED, read-only."""
    contents = {}
    for path in sorted(export.rglob("*.yaml")):
        relative = path.relative_to(export).as_posix()
        text = path.read_text()
        if relative.startswith("databases/"):
            database = yaml.safe_load(text)
            database["sqlalchemy_uri"] = f"duckdb:///{published}?access_mode=read_only"
            text = yaml.safe_dump(database, sort_keys=False)
        contents[relative] = text
    return contents


def main(export: Path, published: Path, password_file: Path) -> None:
    from flask import g
    from flask_migrate import upgrade
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import appbuilder, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
        from superset.commands.exceptions import CommandInvalidError

        upgrade()
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        password = password_file.read_text().strip()
        user = security_manager.find_user(username=ADMIN)
        if user is None:
            user = security_manager.add_user(
                ADMIN,
                "TBM",
                "Admin",
                "admin@localhost",
                security_manager.find_role("Admin"),
                password=password,
            )
            if not user:
                sys.exit("could not create the Superset admin user")
        else:
            security_manager.reset_password(user.id, password)
        g.user = user
        contents = bundle(export, published)
        # charts first with overwrite: the dashboard importer keeps charts it already has
        charts = {
            name: text for name, text in contents.items() if not name.startswith("dashboards/")
        }
        charts["metadata.yaml"] = yaml.safe_dump(
            {**yaml.safe_load(contents["metadata.yaml"]), "type": "Slice"}
        )
        try:
            ImportChartsCommand(charts, overwrite=True).run()
            ImportDashboardsCommand(contents, overwrite=True).run()
        except CommandInvalidError as exc:  # the export does not validate: say where
            problems = [getattr(e, "messages", e) for e in getattr(exc, "_exceptions", [])]
            sys.exit(f"the dashboards in {export} do not import: {exc} {problems}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))

"""Settings have one owner (orchestration/settings.py): dbt's own defaults agree with it, flags win
over variables, and the run's values reach dbt through one export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.settings import DBT_VARIABLES, PROJECT_DIR, SETTINGS, Settings

ENV_VAR = re.compile(r"env_var\('(TBM_[A-Z_]+)',\s*'([^']*)'\)")


def dbt_defaults() -> dict[str, set[str]]:
    """Every `env_var('TBM_...', 'default')` of the dbt project: variable -> defaults written."""
    found: dict[str, set[str]] = {}
    files = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    files += sorted((PROJECT_DIR / "models").rglob("*.sql"))
    files += sorted((PROJECT_DIR / "macros").rglob("*.sql"))
    for path in files:
        for variable, default in ENV_VAR.findall(path.read_text()):
            found.setdefault(variable, set()).add(default)
    return found


def test_dbt_reads_the_settings_with_the_same_defaults(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(SETTINGS[name][0], raising=False)
    monkeypatch.chdir(PROJECT_DIR)
    defaults = Settings.from_env().values()
    written = dbt_defaults()
    for name in DBT_VARIABLES:
        variable = SETTINGS[name][0]
        assert variable in written, f"dbt does not read {variable}"
        expected = defaults[variable]
        if Path(expected).is_absolute():  # paths: dbt's default is relative to the project
            expected = Path(expected).relative_to(PROJECT_DIR).as_posix()
        assert written[variable] == {expected}, variable
    # and nothing else of the settings is read by dbt under another default
    for variable in written:
        names = [n for n, (var, _, _) in SETTINGS.items() if var == variable]
        if names:
            assert names[0] in DBT_VARIABLES, f"{variable} read by dbt but not exported for it"


def test_flags_win_over_variables_which_win_over_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("TBM_LANDING", str(tmp_path / "from-env"))
    monkeypatch.setenv("TBM_ENGINE", "spark")
    monkeypatch.delenv("TBM_DBT_TARGET", raising=False)
    settings = Settings.from_env(landing=tmp_path / "from-flag")
    assert settings.landing == tmp_path / "from-flag"
    assert settings.engine == "spark" and settings.dbt_target == "spark"
    assert Settings.from_env(engine="duckdb").dbt_target == "duckdb"


def test_export_gives_dbt_every_value_it_reads(monkeypatch, tmp_path):
    for name in SETTINGS:
        monkeypatch.delenv(SETTINGS[name][0], raising=False)
    settings = Settings.from_env(warehouse=tmp_path / "w" / "tbm.duckdb")
    env = settings.dbt_environment()
    assert env["TBM_WAREHOUSE"] == str(tmp_path / "w" / "tbm.duckdb")
    assert env["TBM_SPARK_DIR"] == str(tmp_path / "w" / "spark")
    # DuckDB spills beside the warehouse, not into the folder the command was started from
    assert env["TBM_DUCKDB_TEMP_DIR"] == str(tmp_path / "w" / "tmp")
    assert env["TBM_REPORTING_CURRENCY"] == "USD"
    assert env["TBM_MAX_UNALLOCATED_SHARE"] == "0.05"


def test_a_bad_engine_is_refused_naming_the_variable():
    with pytest.raises(ValueError, match="TBM_ENGINE"):
        Settings.from_env(engine="oracle")

"""orchestration/pipeline/dbt_project.py: pruning the folders dagster-dbt leaves under target/."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestration.pipeline.dbt_project import prune_invocation_folders


def make_folder(target: Path, name: str, age_seconds: float) -> Path:
    folder = target / name
    folder.mkdir()
    (folder / "run_results.json").write_text("{}")
    stamp = time.time() - age_seconds
    os.utime(folder, (stamp, stamp))
    return folder


def test_keeps_the_newest_and_the_young_and_removes_the_rest(tmp_path):
    hour = 3600
    # twelve old invocation folders, 2 h .. 13 h old, and two of a run still going (1 min)
    old = [
        make_folder(tmp_path, f"tbm_dbt_models-run{i:04d}-abc", (i + 2) * hour) for i in range(12)
    ]
    young = [make_folder(tmp_path, f"tbm_dbt_models-live{i}-abc", 60) for i in range(2)]
    other = make_folder(tmp_path, "control_plane", 20 * hour)  # not an invocation folder

    removed = prune_invocation_folders("tbm_dbt_models", keep=10, target=tmp_path)

    # newest first: the two young ones and the eight newest old ones are kept, four removed
    assert sorted(removed) == sorted(old[8:])
    assert all(folder.is_dir() for folder in young + old[:8] + [other])
    assert not any(folder.exists() for folder in old[8:])


def test_a_young_folder_beyond_the_newest_is_kept(tmp_path):
    folders = [make_folder(tmp_path, f"tbm_dbt_models-r{i}-x", 30 + i) for i in range(4)]
    assert prune_invocation_folders("tbm_dbt_models", keep=1, target=tmp_path) == []
    assert all(folder.is_dir() for folder in folders)

"""The demo's publication is the same, table by table and row for row, as the golden digest taken
of it before the last change of the project's structure (tests/golden/, tests/published_digest.py).

A change that means to change a published number updates the golden file in the same commit
(`python -m tests.published_digest <published file> tests/golden/demo.json`), so the review sees
which tables moved.
"""

from __future__ import annotations

import json

import pytest

from tests.published_digest import GOLDEN, differences, digest

pytestmark = pytest.mark.e2e


def test_demo_publication_equals_the_golden_digest(demo_template):
    assert demo_template["run"].returncode == 0, demo_template["run"].stdout
    golden = json.loads((GOLDEN / "demo.json").read_text())
    assert differences(digest(demo_template["published"]), golden) == []

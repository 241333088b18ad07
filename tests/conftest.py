"""Session fixtures shared by the test modules (see tests/demo.py)."""

from __future__ import annotations

import pytest

from tests.demo import build_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> dict:
    """The demo data set, generated and run once per session. Read it, never write it: a test
    that changes anything works on `copy_demo(demo_template, its own folder)`."""
    return build_demo(tmp_path_factory.mktemp("demo_template"))

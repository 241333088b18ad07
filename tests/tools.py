"""The programs some tests need beside the project's environment: the focus-validator, Superset
and Chromium.

`bash scripts/dev test` installs them while the tests already run: it holds a lock on the file
that TBM_TEST_INSTALLS_LOCK names until the installs are done (or have failed). A test that needs
one of them calls `require_installed`, which waits for that lock, then skips with the reason when
the program is still not there. Without the variable (pytest run by hand) nothing waits."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

INSTALLS_LOCK = "TBM_TEST_INSTALLS_LOCK"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package


def require_installed(program: Path, reason: str) -> None:
    lock = os.environ.get(INSTALLS_LOCK)
    if lock and Path(lock).exists():
        with open(lock) as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)  # returns once the installer let go of it
    if not program.exists():
        pytest.skip(reason)


def require_chromium() -> None:
    require_installed(
        CHROMIUM,
        "no /usr/bin/chromium: `bash scripts/dev test` installs Debian's chromium package "
        "when run as root with apt; elsewhere install it (apt-get install chromium) to run this",
    )

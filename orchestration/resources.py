"""The run's settings as a Dagster resource, built once per run and handed to every asset and check.

`dagster dev` builds it from the environment when a run starts; `tbm` passes the flags it was
given (`SettingsResource.of(settings)`), so a run sees exactly the settings its command printed.
The Dagster UI shows the flag values as the resource's configuration.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from orchestration.settings import Settings


class SettingsResource(dg.ConfigurableResource):
    """Settings of the run (orchestration/settings.py): flags given here win over the
    environment variables, which win over the defaults."""

    landing: str | None = None
    warehouse: str | None = None
    published: str | None = None
    engine: str | None = None

    _settings: Settings | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, settings: Settings) -> SettingsResource:
        return cls(
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            published=str(settings.published),
            engine=settings.engine,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        """The settings, under the run lock for the whole run: a run that Dagster started (the
        landing sensor, the schedule, the UI) waits while a typed `tbm run` holds the warehouse;
        `tbm run` took the lock already (it is re-entrant in a process)."""
        from orchestration.warehouse import run_lock

        self._settings = self._build()
        log = context.log.info if context.log else None
        with run_lock(self._settings.warehouse, wait=True, on_wait=log):
            yield self

    def _build(self) -> Settings:
        return Settings.from_env(
            landing=Path(self.landing) if self.landing else None,
            warehouse=Path(self.warehouse) if self.warehouse else None,
            published=Path(self.published) if self.published else None,
            engine=self.engine,
        )

    @property
    def settings(self) -> Settings:
        if self._settings is None:  # used outside a run (a test, a direct call)
            self._settings = self._build()
        return self._settings

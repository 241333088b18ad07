"""GX Data Docs views that compile their Jinja templates once per process.

GX's `DefaultJinjaView` builds a new Jinja environment for every page it renders, so each
`build_data_docs` call parses and compiles the same templates again: about two thirds of the
docs' time, and the docs were most of the gate checks' own work. These subclasses share a
Jinja bytecode cache (in memory, keyed by template name and source checksum, so a changed
template is compiled again); the rendering is GX's own. `gates._docs_context` names them in the
site's configuration (`view` of the validations section and of the index builder).

Imported by GX when it builds the docs, never before: importing it imports GX.
"""

from __future__ import annotations

import threading

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


TEMPLATES = _MemoryBytecodeCache()


class CachedJinjaPageView(DefaultJinjaPageView):
    """GX's page view (validation result pages), its templates compiled once per process."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = TEMPLATES


class CachedJinjaIndexPageView(DefaultJinjaIndexPageView):
    """GX's index page view, its templates compiled once per process."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = TEMPLATES

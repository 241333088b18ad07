"""The README is a map and the docs/ pages hold the rest: short, complete, linked, timeless.

- README.md has at most 250 lines;
- its mart catalogue names every table the demo publishes (the keys of the golden digest of the
  publication after a close and a correction, tests/golden/);
- every relative link of README.md and docs/ points to an existing file (and heading);
- no page refers to an issue number: the docs describe the product as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "docs" / "bench" / "README.md"]
GOLDEN = ROOT / "tests" / "golden" / "demo_closed_and_corrected.json"

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
ISSUE = re.compile(r"issue\s*\d+|#\d+", re.IGNORECASE)


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return {_anchor(m) for m in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def test_the_readme_has_at_most_250_lines():
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move detail to docs/"


def test_the_mart_catalogue_names_every_published_table():
    catalogue = _section(README.read_text(), "Mart catalogue")
    named = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", catalogue, flags=re.MULTILINE))
    published = set(json.loads(GOLDEN.read_text()))
    assert published - named == set(), "tables missing from README's mart catalogue"
    assert named - published == set(), "catalogue rows for tables the demo does not publish"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file(page: Path):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif fragment and resolved.suffix == ".md" and fragment not in _anchors(resolved):
            broken.append(f"{target}: no heading #{fragment} in {resolved.name}")
    assert broken == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_refers_to_an_issue_number(page: Path):
    found = [
        f"line {n}: {line.strip()}"
        for n, line in enumerate(page.read_text().splitlines(), 1)
        if ISSUE.search(line)
    ]
    assert found == []

"""Issue 20's documentation points, checked against the code so they cannot drift: the README's
embed snippet sets data-mission to a mission the directory has (and the widget reads it), and
docs/missions.md describes the data format, its sources and every staff command."""

from __future__ import annotations

import argparse
import re

from admin.cli import _parser
from admin.missions_io import CSV_COLUMNS, MISSION_KEYS
from knowledge.missions import Directory
from knowledge.paths import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
DOC = (PROJECT_ROOT / "docs" / "missions.md").read_text(encoding="utf-8")


def test_the_readme_embed_snippet_sets_a_mission_the_directory_has(directory: Directory) -> None:
    snippets = re.findall(r"```html\n(.*?)```", README, re.DOTALL)
    embed = [s for s in snippets if "widget.js" in s]
    assert embed, "the README shows the one-tag embed"
    found = re.search(r'data-mission="([^"]+)"', embed[0])
    assert found is not None, embed[0]
    assert directory.by_id(found.group(1)) is not None, found.group(1)
    assert "| `data-mission` |" in README
    widget = (PROJECT_ROOT / "bot" / "static" / "widget.js").read_text(encoding="utf-8")
    assert "data.mission" in widget and "payload.mission = mission" in widget, "the widget sends it"


def _missions_commands() -> set[str]:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    missions = sub.choices["missions"]
    inner = next(a for a in missions._actions if isinstance(a, argparse._SubParsersAction))
    return set(inner.choices)


def test_the_missions_doc_covers_format_sources_and_the_staff_commands() -> None:
    for key in MISSION_KEYS:
        # As a field (`covers`) or as its CSV columns (`name_id`).
        assert re.search(rf"`{key}[`_]", DOC), f"the data format: {key}"
    for column in CSV_COLUMNS:
        assert column in DOC, f"the CSV column {column}"
    assert "## Sources and their limits" in DOC
    assert "## Keeping it current" in DOC
    commands = _missions_commands()
    assert commands == {"import", "export", "validate"}
    for command in commands:
        assert f"`missions {command}" in DOC, command

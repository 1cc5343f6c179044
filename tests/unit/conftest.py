"""Fixtures shared by the unit tests: the actions' knowledge base, the mission directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from actions import knowledge_base
from knowledge.missions import Directory, load_directory
from knowledge.paths import CONTENT_DIR

DIRECTORY_FILE = CONTENT_DIR / "missions.yml"


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], Any]:
    """Serves a knowledge base (or a failed load, for None) to the actions; undone after."""

    def _install(kb: Any) -> Any:
        served = knowledge_base.ServedKnowledge(kb, None if kb else "failed")
        monkeypatch.setattr(knowledge_base, "served", served)
        return kb

    return _install


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """content/missions.yml as parsed YAML."""
    return yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The mission directory the project ships."""
    return load_directory(DIRECTORY_FILE)

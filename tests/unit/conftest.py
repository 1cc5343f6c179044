"""Fixtures shared by the action tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actions import knowledge_base


@pytest.fixture
def install() -> Iterator[Any]:
    """Installs a knowledge base (or a failed load, for None) for the actions; reset after."""

    def _install(kb: Any) -> Any:
        knowledge_base.set_for_tests(kb, None if kb else "failed")
        return kb

    yield _install
    knowledge_base.reset_for_tests()

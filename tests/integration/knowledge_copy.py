"""A private copy of content/ and of the served index version for the session stack, so
tests/integration/test_retrain.py can add FAQs, retrain and roll back without touching the
repository's files or var/index."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from knowledge.paths import CONTENT_DIR, default_index_dir
from knowledge.store import CURRENT, VERSIONS, current_version


def private_knowledge(workdir: Path) -> dict[str, str]:
    """Copy the content folder and the current index version; the stack environment for them."""
    knowledge = workdir / "content"
    shutil.copytree(CONTENT_DIR, knowledge)
    index = workdir / "index"
    served = current_version(default_index_dir())
    if served is not None and served.is_dir():
        shutil.copytree(served, index / VERSIONS / served.name)
        os.symlink(Path(VERSIONS) / served.name, index / CURRENT)
    return {
        "DUTA_KNOWLEDGE_DIR": str(knowledge),
        "DUTA_INDEX_DIR": str(index),
        "DUTA_ADMIN_TOKEN": secrets.token_urlsafe(24),
    }

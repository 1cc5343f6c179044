"""Project paths and their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"


def default_index_dir() -> Path:
    configured = os.environ.get("DUTA_INDEX_DIR")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else PROJECT_ROOT / path
    return PROJECT_ROOT / "var" / "index"


def default_source_dir() -> Path:
    return KNOWLEDGE_DIR

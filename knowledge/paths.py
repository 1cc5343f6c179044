"""Project paths and their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What staff edit (FAQ, documents, events, the mission directory), apart from the code.
CONTENT_DIR = PROJECT_ROOT / "content"


def _configured(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def default_index_dir() -> Path:
    return _configured("DUTA_INDEX_DIR") or PROJECT_ROOT / "var" / "index"


def default_source_dir() -> Path:
    """The content folder staff edit (documents/, faq/, events.yml, missions.yml, CHANGELOG.md).

    DUTA_KNOWLEDGE_DIR points elsewhere, e.g. at a copy the tests may change freely.
    """
    return _configured("DUTA_KNOWLEDGE_DIR") or CONTENT_DIR


def default_model_dir() -> Path:
    """The converted embedding model: `$DUTA_EMBED_MODEL`, else `.cache/models/...` here."""
    default = PROJECT_ROOT / ".cache" / "models" / "multilingual-e5-small"
    return _configured("DUTA_EMBED_MODEL") or default


def default_models_dir() -> Path:
    """Trained Rasa models (the stack serves the newest .tar.gz here)."""
    return _configured("DUTA_MODELS_DIR") or PROJECT_ROOT / "models"

"""The `custom.duta` message that follows an answer (docs/architecture.md): its sources and
whether it is a fallback (no answer found). The gateway merges it into the text before it."""

from __future__ import annotations

from typing import Any


def duta_meta(sources: list[dict[str, Any]] | None = None, fallback: bool = False) -> dict:
    return {"duta": {"sources": list(sources or []), "fallback": fallback}}

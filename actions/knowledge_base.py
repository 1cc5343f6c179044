"""The knowledge base the actions answer from, loaded once per action-server process.

`python -m actions` starts `start_loading()` before it serves, so the index and the embedder are
in memory before the first user arrives; `/index/status` answers 503 until then.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

logger = logging.getLogger(__name__)

_loaded = threading.Event()
_lock = threading.Lock()
_kb: Any = None
_error: str | None = None


def load(index_dir: str | None = None) -> Any:
    """Load the knowledge base (blocking); later calls return the same instance."""
    global _kb, _error
    with _lock:
        if _loaded.is_set():
            return _kb
        try:
            # Imported here: torch and FAISS take seconds to import, and unit tests inject a fake.
            from knowledge.search import KnowledgeBase

            _kb = KnowledgeBase.load(index_dir)
            logger.info("Knowledge base loaded: %s", _kb.manifest)
        except Exception as exc:  # any failure must surface in /index/status
            _error = f"{type(exc).__name__}: {exc}"
            logger.exception("Could not load the knowledge base from %s", index_dir)
        finally:
            _loaded.set()
        return _kb


def start_loading(index_dir: str | None = None) -> threading.Thread:
    """Load in a background thread so the HTTP server can answer /index/status meanwhile."""
    thread = threading.Thread(target=load, args=(index_dir,), name="kb-load", daemon=True)
    thread.start()
    return thread


def wait(timeout: float | None = None) -> Any:
    """The loaded knowledge base, or None if loading failed or did not finish in time."""
    _loaded.wait(timeout)
    return _kb


def status() -> tuple[int, dict[str, Any]]:
    """HTTP status and body for GET /index/status."""
    if not _loaded.is_set():
        return 503, {"loaded": False, "error": "loading"}
    if _kb is None:
        return 503, {"loaded": False, "error": _error or "not loaded"}
    return 200, dict(_kb.manifest)


def set_for_tests(kb: Any, error: str | None = None) -> None:
    """Install a ready knowledge base (or a failed load when kb is None)."""
    global _kb, _error
    with _lock:
        _kb, _error = kb, error
        _loaded.set()


def reset_for_tests() -> None:
    """Back to the not-loaded state."""
    global _kb, _error
    with _lock:
        _kb, _error = None, None
        _loaded.clear()

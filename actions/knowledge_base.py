"""The knowledge base the actions answer from, loaded once per action-server process.

`python -m actions` starts `start_loading()` before it serves, so the index and the embedder are
in memory before the first user arrives; `/index/status` answers 503 until then.

`reload()` (POST /index/reload, used by `make retrain`) reads another index version while the
old one keeps answering, then swaps the module's reference in one assignment: a search that
already holds the old instance finishes on it, every later one gets the new instance.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_loaded = threading.Event()
_lock = threading.Lock()
_reload_lock = threading.Lock()  # one reload at a time; searches never wait for it
_kb: Any = None
_error: str | None = None
_index_dir: str | None = None
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ReloadError(RuntimeError):
    """The requested version could not be loaded; the previous one keeps serving."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def load(index_dir: str | None = None) -> Any:
    """Load the knowledge base (blocking); later calls return the same instance."""
    global _kb, _error, _index_dir
    with _lock:
        if _loaded.is_set():
            return _kb
        _index_dir = index_dir
        try:
            # Imported here: torch and FAISS take seconds to import, and unit tests inject a fake.
            from knowledge.search import KnowledgeBase

            _kb = KnowledgeBase.load(index_dir)
            _freeze_what_is_alive()
            logger.info("Knowledge base loaded: %s", _kb.manifest)
            if _kb.passed_over:
                logger.error(
                    "The current index is damaged; serving %s: %s", _kb.version, _kb.passed_over
                )
        except Exception as exc:  # any failure must surface in /index/status
            _error = f"{type(exc).__name__}: {exc}"
            logger.exception("Could not load the knowledge base from %s", index_dir)
        finally:
            _loaded.set()
        return _kb


def _freeze_what_is_alive() -> None:
    """Move the objects alive now out of the garbage collector's sight (`gc.freeze()`).

    torch, the embedder and the index live as long as the process; every full collection walked
    them all and stopped every answer for 0.15 to 0.4 s. Unfrozen first, so that what a reload
    swapped out is collected once.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def start_loading(index_dir: str | None = None) -> threading.Thread:
    """Load in a background thread so the HTTP server can answer /index/status meanwhile."""
    thread = threading.Thread(target=load, args=(index_dir,), name="kb-load", daemon=True)
    thread.start()
    return thread


def wait(timeout: float | None = None) -> Any:
    """The loaded knowledge base, or None if loading failed or did not finish in time."""
    _loaded.wait(timeout)
    return _kb


def _open(version: str | None) -> Any:
    """A fresh KnowledgeBase for `version` (a folder name under versions/) or `current`."""
    from knowledge.paths import default_index_dir
    from knowledge.search import KnowledgeBase
    from knowledge.store import VERSIONS, current_version

    root = Path(_index_dir) if _index_dir else default_index_dir()
    if version is None:
        # Strictly what `current` points to: a damaged `current` is refused, not passed over.
        current = current_version(root)
        if current is None:
            raise ReloadError(f"no current index in {root}")
        return KnowledgeBase.load(root, version=current)
    if not _VERSION_RE.match(version):
        raise ReloadError(f"not a version name: {version!r}", status=400)
    folder = root / VERSIONS / version
    if not folder.is_dir():
        raise ReloadError(f"no index version {version!r} in {root}", status=404)
    return KnowledgeBase.load(root, version=folder)


def reload(version: str | None = None, opener: Any = None) -> dict[str, Any]:
    """Load `version` (None: what `current` points to) and swap it in; blocking.

    On any failure the knowledge base in use stays, and ReloadError says why.
    """
    global _kb, _error
    opener = opener or _open
    with _reload_lock:
        started = time.perf_counter()
        previous = getattr(_kb, "version", None)
        try:
            fresh = opener(version)
        except ReloadError:
            raise
        except Exception as exc:  # a damaged or mismatched version must not take answers down
            logger.exception("Reload of index version %s failed", version)
            raise ReloadError(f"{type(exc).__name__}: {exc}") from exc
        with _lock:
            _kb, _error = fresh, None  # the swap: one reference assignment
            _loaded.set()
        _forget_content_cache()
        _freeze_what_is_alive()
        seconds = time.perf_counter() - started
        logger.info("Knowledge base swapped: %s -> %s in %.2f s", previous, fresh.version, seconds)
        return {
            "version": fresh.version,
            "previous": previous,
            "units": fresh.manifest.get("counts", {}).get("units"),
            "seconds": round(seconds, 3),
        }


def _forget_content_cache() -> None:
    """The event and visa flows quote knowledge/ files through actions.content, cached per
    process: after a reload they read them again, so a new event is known without a restart."""
    try:
        from actions import content

        content.faq_entries.cache_clear()
        content.events.cache_clear()
    except (ImportError, AttributeError):  # content has no cache to clear: nothing to do
        logger.debug("no content cache to clear")


def status() -> tuple[int, dict[str, Any]]:
    """HTTP status and body for GET /index/status."""
    if not _loaded.is_set():
        return 503, {"loaded": False, "error": "loading"}
    if _kb is None:
        return 503, {"loaded": False, "error": _error or "not loaded"}
    body = dict(_kb.manifest)
    version = getattr(_kb, "version", None)
    if version is not None:
        body["version"] = version
    if passed_over := getattr(_kb, "passed_over", None):
        body["current_refused"] = passed_over
    return 200, body


def set_for_tests(kb: Any, error: str | None = None) -> None:
    """Install a ready knowledge base (or a failed load when kb is None)."""
    global _kb, _error
    with _lock:
        _kb, _error = kb, error
        _loaded.set()


def reset_for_tests() -> None:
    """Back to the not-loaded state."""
    global _kb, _error, _index_dir
    with _lock:
        _kb, _error, _index_dir = None, None, None
        _loaded.clear()

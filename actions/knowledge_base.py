"""The knowledge base the actions answer from, loaded once per action-server process.

`python -m actions` starts `served.start_loading()` before it serves, so the index and the
embedder are in memory before the first user arrives; `/index/status` answers 503 until then.

`reload()` (POST /index/reload, used by `make retrain`) reads another index version while the
old one keeps answering, then swaps the reference in one assignment: a search that already holds
the old instance finishes on it, every later one gets the new instance.

The actions and the server read the module's `served`; a test puts another `ServedKnowledge` in
its place (one built with a knowledge base already in, or a failed load).
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ReloadError(RuntimeError):
    """The requested version could not be loaded; the previous one keeps serving."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


class ServedKnowledge:
    """One process's knowledge base: loading, waiting for it, swapping it, its status."""

    def __init__(self, kb: Any = None, error: str | None = None) -> None:
        """Not loaded yet; or, given a knowledge base or an error, loaded (or failed) already."""
        self._loaded = threading.Event()
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()  # one reload at a time; searches never wait for it
        self._kb: Any = kb
        self._error = error
        self._index_dir: str | None = None
        if kb is not None or error is not None:
            self._loaded.set()

    def load(self, index_dir: str | None = None) -> Any:
        """Load the knowledge base (blocking); later calls return the same instance."""
        with self._lock:
            if self._loaded.is_set():
                return self._kb
            self._index_dir = index_dir
            try:
                # Imported here: torch and FAISS take seconds to import.
                from knowledge.search import KnowledgeBase

                self._kb = KnowledgeBase.load(index_dir)
                _freeze_what_is_alive()
                logger.info("Knowledge base loaded: %s", self._kb.manifest)
                if self._kb.passed_over:
                    logger.error(
                        "The current index is damaged; serving %s: %s",
                        self._kb.version,
                        self._kb.passed_over,
                    )
            except Exception as exc:  # any failure must surface in /index/status
                self._error = f"{type(exc).__name__}: {exc}"
                logger.exception("Could not load the knowledge base from %s", index_dir)
            finally:
                self._loaded.set()
            return self._kb

    def start_loading(self, index_dir: str | None = None) -> threading.Thread:
        """Load in a background thread so the HTTP server can answer /index/status meanwhile."""
        thread = threading.Thread(target=self.load, args=(index_dir,), name="kb-load", daemon=True)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> Any:
        """The loaded knowledge base, or None if loading failed or did not finish in time."""
        self._loaded.wait(timeout)
        return self._kb

    def _open(self, version: str | None) -> Any:
        """A fresh KnowledgeBase for `version` (a folder name under versions/) or `current`."""
        from knowledge.paths import default_index_dir
        from knowledge.search import KnowledgeBase
        from knowledge.store import VERSIONS, current_version

        root = Path(self._index_dir) if self._index_dir else default_index_dir()
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

    def reload(
        self, version: str | None = None, opener: Callable[[str | None], Any] | None = None
    ) -> dict[str, Any]:
        """Load `version` (None: what `current` points to) and swap it in; blocking.

        On any failure the knowledge base in use stays, and ReloadError says why.
        """
        opener = opener or self._open
        with self._reload_lock:
            started = time.perf_counter()
            previous = getattr(self._kb, "version", None)
            try:
                fresh = opener(version)
            except ReloadError:
                raise
            except Exception as exc:  # a damaged or mismatched version must not take answers down
                logger.exception("Reload of index version %s failed", version)
                raise ReloadError(f"{type(exc).__name__}: {exc}") from exc
            with self._lock:
                self._kb, self._error = fresh, None  # the swap: one reference assignment
                self._loaded.set()
            _forget_content_cache()
            _freeze_what_is_alive()
            seconds = time.perf_counter() - started
            logger.info(
                "Knowledge base swapped: %s -> %s in %.2f s", previous, fresh.version, seconds
            )
            return {
                "version": fresh.version,
                "previous": previous,
                "units": fresh.manifest.get("counts", {}).get("units"),
                "seconds": round(seconds, 3),
            }

    def status(self) -> tuple[int, dict[str, Any]]:
        """HTTP status and body for GET /index/status."""
        if not self._loaded.is_set():
            return 503, {"loaded": False, "error": "loading"}
        if self._kb is None:
            return 503, {"loaded": False, "error": self._error or "not loaded"}
        body = dict(self._kb.manifest)
        version = getattr(self._kb, "version", None)
        if version is not None:
            body["version"] = version
        if passed_over := getattr(self._kb, "passed_over", None):
            body["current_refused"] = passed_over
        return 200, body


def _freeze_what_is_alive() -> None:
    """Move the objects alive now out of the garbage collector's sight (`gc.freeze()`).

    torch, the embedder and the index live as long as the process; every full collection walked
    them all and stopped every answer for 0.15 to 0.4 s. Unfrozen first, so that what a reload
    swapped out is collected once.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _forget_content_cache() -> None:
    """The event and visa flows quote knowledge/ files through actions.content, cached per
    process: after a reload they read them again, so a new event is known without a restart."""
    try:
        from actions import content

        content.faq_entries.cache_clear()
        content.events.cache_clear()
    except (ImportError, AttributeError):  # content has no cache to clear: nothing to do
        logger.debug("no content cache to clear")


# The action server's own.
served = ServedKnowledge()

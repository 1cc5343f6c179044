"""Shared helpers for the knowledge-layer benchmarks: data paths, cached embeddings, metrics."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

# Evaluation data written by other people (xSID, FacQA), with its sources and licences in
# bench/data/README.md.
EVAL_DIR = PROJECT_ROOT / "bench" / "data"
CACHE_DIR = PROJECT_ROOT / ".cache" / "bench"


def cached_embeddings(
    kind: str, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray], model_name: str
) -> np.ndarray:
    """Embeddings of texts, cached on disk by model, kind and content (re-runs skip the model)."""
    digest = hashlib.sha256("\x1e".join([model_name, kind, *texts]).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"{kind}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    vectors = np.concatenate([embed(list(texts[i : i + 64])) for i in range(0, len(texts), 64)])
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def ranking_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """R@1, R@5 and MRR@10 from the 1-based rank of the right answer (None: not in the list)."""
    n = len(ranks)
    r = [x if x is not None else 10**9 for x in ranks]
    return {
        "R@1": sum(x == 1 for x in r) / n,
        "R@5": sum(x <= 5 for x in r) / n,
        "MRR@10": sum(1.0 / x for x in r if x <= 10) / n,
    }


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


@contextlib.contextmanager
def chat_gateway(url: str | None) -> Iterator[str]:
    """The gateway to measure: `url` as given, else a private stack of its own on free ports
    with the rate limits lifted (one address sends everything), stopped afterwards."""
    if url:
        yield url.rstrip("/")
        return
    from deploy.stack import Stack, StackConfig  # after sys.path has the project

    with tempfile.TemporaryDirectory() as workdir:
        config = StackConfig.private(
            Path(workdir),
            extra_env={"RATE_LIMIT_SENDER_PER_MIN": "0", "RATE_LIMIT_IP_PER_MIN": "0"},
        )
        stack = Stack(config)
        stack.start_all()
        try:
            stack.wait_healthy()
            yield config.gateway_url
        finally:
            stack.stop_all()

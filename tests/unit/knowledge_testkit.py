"""Helpers for the knowledge-layer tests: a fast fake embedder and a test knowledge folder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np

from knowledge.paths import CONTENT_DIR
from knowledge.text_tokens import raw_tokens

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DIR = PROJECT_ROOT / "tests" / "data" / "kb_fixture"
DOCUMENTS_DIR = CONTENT_DIR / "documents"


class FakeEmbedder:
    """Bag-of-hashed-words vectors: deterministic, instant, similar texts get similar vectors.
    For storage and atomicity tests, where meaning does not matter."""

    name = "fake-hash"
    dim = 64

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in raw_tokens(text) or ["empty"]:
                out[row, int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)


class ExplodingEmbedder(FakeEmbedder):
    """Fails on the second batch, like a model crashing in the middle of a build."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("embedding failed midway")
        return self._embed(texts)


def make_knowledge_folder(
    target: Path, documents: tuple[str, ...] = ("001_f7c03f9f912ae368", "003_7aea6fd6eed808b3")
) -> Path:
    """A knowledge/-style folder: real source documents + the fixture FAQ and events."""
    (target / "documents").mkdir(parents=True)
    for doc_id in documents:
        shutil.copy(DOCUMENTS_DIR / f"{doc_id}.md", target / "documents")
    shutil.copytree(FIXTURE_DIR / "faq", target / "faq")
    shutil.copy(FIXTURE_DIR / "events.yml", target / "events.yml")
    return target

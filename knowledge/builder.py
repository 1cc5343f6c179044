"""Building an index version from a source folder: load, validate, chunk, embed, store, swap."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.chunking import ChunkParams
from knowledge.faq import faq_warnings, load_events, load_faq
from knowledge.loaders import load_documents
from knowledge.records import KnowledgeInputError, Unit
from knowledge.retriever import RankingParams
from knowledge.search import EmbedderLike
from knowledge.store import activate, build_lock, prune, write_version
from knowledge.text_tokens import TOKENIZER_VERSION
from knowledge.units import document_units, event_units, faq_units

DEFAULT_KEEP = 3
EMBED_BATCH = 64


@dataclass
class BuildReport:
    version: Path
    units: int
    seconds: float
    embed_seconds: float
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds > 0 else float("inf")


def is_knowledge_layout(source: Path) -> bool:
    """The project's own knowledge/ folder: documents/, faq/ and events.yml, not loose files."""
    return (source / "documents").is_dir() or (source / "faq").is_dir()


def collect_units(source: Path, params: ChunkParams | None = None) -> tuple[list[Unit], list[str]]:
    """All units of a source folder, or KnowledgeInputError naming the bad file and entry."""
    params = params or ChunkParams()
    if not source.is_dir():
        raise KnowledgeInputError(f"{source}: source folder does not exist")
    warnings: list[str] = []
    units: list[Unit] = []
    if is_knowledge_layout(source):
        docs = load_documents(source / "documents") if (source / "documents").is_dir() else []
        entries = load_faq(source / "faq")
        events = load_events(source / "events.yml")
        warnings.extend(faq_warnings(entries, {d.doc_id for d in docs}))
        for entry in entries:
            units.extend(faq_units(entry))
        for event in events:
            units.extend(event_units(event, params))
    else:
        docs = load_documents(source)
    for doc in docs:
        units.extend(document_units(doc, params))
    if not units:
        raise KnowledgeInputError(
            f"{source}: no .txt, .md or .jsonl documents (or FAQ entries) found"
        )
    ids = [u.unit_id for u in units]
    if len(set(ids)) != len(ids):
        raise KnowledgeInputError(f"{source}: a document id collides with a FAQ or event id")
    return units, warnings


def embed_units(units: list[Unit], embedder: EmbedderLike) -> np.ndarray:
    texts = [u.embed_text() for u in units]
    parts = [
        embedder.embed_passages(texts[i : i + EMBED_BATCH])
        for i in range(0, len(texts), EMBED_BATCH)
    ]
    vectors = np.concatenate(parts).astype(np.float32, copy=False)
    if vectors.shape != (len(units), embedder.dim):
        raise RuntimeError(
            f"embedder returned {vectors.shape}, expected ({len(units)}, {embedder.dim})"
        )
    return vectors


def build_index(
    source: Path,
    index_root: Path,
    embedder: EmbedderLike,
    keep: int = DEFAULT_KEEP,
    chunk_params: ChunkParams | None = None,
    before_activate: Callable[[Path], None] | None = None,
    ranking: RankingParams | None = None,
) -> BuildReport:
    """Build a new version and make it current; on any failure the previous current stays.

    before_activate is a hook for tests that simulate a crash after the version is written.
    """
    started = time.perf_counter()
    chunk_params = chunk_params or ChunkParams()
    units, warnings = collect_units(source, chunk_params)
    embed_started = time.perf_counter()
    vectors = embed_units(units, embedder)
    embed_seconds = time.perf_counter() - embed_started
    settings = {
        "chunking": chunk_params.as_dict(),
        "tokenizer": TOKENIZER_VERSION,
        "ranking": (ranking or RankingParams()).as_dict(),
    }
    model = {"name": embedder.name, "dim": embedder.dim}
    with build_lock(index_root):
        version = write_version(
            index_root,
            units,
            vectors,
            model,
            settings,
            info={"source": str(source.resolve()), "warnings": len(warnings)},
        )
        if before_activate is not None:
            before_activate(version)
        activate(index_root, version)
        prune(index_root, keep=max(1, keep))
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.kind] = counts.get(unit.kind, 0) + 1
    return BuildReport(
        version, len(units), time.perf_counter() - started, embed_seconds, counts, warnings
    )

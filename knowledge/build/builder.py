"""Building an index version from a source folder: load, validate, chunk, embed, store, swap.

An incremental build embeds only units whose text is new: vectors of unchanged texts are taken
from the current version (same model), keyed by the SHA-256 of the text that was embedded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.build.chunking import ChunkParams
from knowledge.build.loaders import load_documents, resolve_translations
from knowledge.build.units import document_units, event_units, faq_units
from knowledge.faq import faq_warnings, load_events, load_faq
from knowledge.records import Document, KnowledgeInputError, Unit
from knowledge.retriever import RankingParams
from knowledge.search import EmbedderLike
from knowledge.store import (
    IndexError_,
    activate,
    build_lock,
    current_version,
    prune,
    read_version,
    write_version,
)
from knowledge.text_tokens import TOKENIZER_VERSION

DEFAULT_KEEP = 3
EMBED_BATCH = 64

logger = logging.getLogger(__name__)


@dataclass
class BuildReport:
    version: Path
    units: int
    seconds: float
    embed_seconds: float
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    embedded: int = 0  # units whose vectors were computed in this build
    reused: int = 0  # units whose vectors came from the previous version
    tuning: dict | None = None  # how the ranking settings were tuned from the corpus, if they were

    @property
    def units_per_second(self) -> float:
        return self.units / self.seconds if self.seconds > 0 else float("inf")


def is_knowledge_layout(source: Path) -> bool:
    """The project's own content/ folder: documents/, faq/ and events.yml, not loose files."""
    return (source / "documents").is_dir() or (source / "faq").is_dir()


_NOT_TEXT = re.compile(r"[\W_]+")


def text_identity(text: str) -> str:
    """What stays of a text without case, spacing and punctuation: two copies of one article
    ("1514-1530" / "1514 - 1530", a stray "</>") have the same."""
    return _NOT_TEXT.sub("", text.casefold())


def merge_same_text(docs: list[Document]) -> tuple[list[Document], dict[str, tuple[str, ...]]]:
    """The documents with each text once (the first of its copies, in load order), and for each
    kept document the ids of its copies. Copies would fill the top hits with one passage and
    leave the choice between them to chance; the kept one answers for all (`same_text` in its
    hits). Translations and the documents they translate are never merged away."""
    translated = {doc.translation_of for doc in docs}
    kept: dict[tuple[str | None, str], str] = {}
    twins: dict[str, list[str]] = {}
    unique: list[Document] = []
    for doc in docs:
        key = (doc.language, text_identity(doc.text))
        mergeable = doc.translation_of is None and doc.doc_id not in translated
        if mergeable and key[1] and key in kept:
            twins.setdefault(kept[key], []).append(doc.doc_id)
            continue
        if doc.translation_of is None:
            kept.setdefault(key, doc.doc_id)
        unique.append(doc)
    return unique, {doc_id: tuple(ids) for doc_id, ids in twins.items()}


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
        originals = {d.doc_id for d in docs if d.translation_of is None}
        warnings.extend(faq_warnings(entries, originals))
        # Every answer cites a dated source (documents' translations cite their originals).
        cited = [(f"document '{d.doc_id}'", d.source) for d in docs if d.translation_of is None]
        cited += [(f"event '{e['id']}'", e["source"]) for e in events]
        warnings.extend(
            f"{where}: the source has no date and no accessed date"
            for where, cited_source in cited
            if cited_source.date is None and cited_source.accessed is None
        )
        for entry in entries:
            units.extend(faq_units(entry))
        for event in events:
            units.extend(event_units(event, params))
    else:
        docs = load_documents(source)
    docs, same_text = merge_same_text(docs)
    warnings.extend(
        f"document '{twin}' has the same text as '{kept}': indexed once, as '{kept}'"
        for kept, twins in same_text.items()
        for twin in twins
    )
    translated = resolve_translations(docs)
    for doc in docs:
        units.extend(
            document_units(doc, params, translated.get(doc.doc_id), same_text.get(doc.doc_id, ()))
        )
    if not units:
        raise KnowledgeInputError(
            f"{source}: no .txt, .md or .jsonl documents (or FAQ entries) found"
        )
    ids = [u.unit_id for u in units]
    if len(set(ids)) != len(ids):
        raise KnowledgeInputError(f"{source}: a document id collides with a FAQ or event id")
    return units, warnings


def embed_units(units: list[Unit], embedder: EmbedderLike) -> np.ndarray:
    if not units:
        return np.zeros((0, embedder.dim), dtype=np.float32)
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


def text_key(unit: Unit) -> str:
    """What a vector depends on besides the model: the exact text given to the embedder."""
    return hashlib.sha256(unit.embed_text().encode("utf-8")).hexdigest()


def reusable_vectors(index_root: Path, embedder: EmbedderLike) -> dict[str, np.ndarray]:
    """Vectors of the current version by text key, or {} when there is none to trust."""
    version = current_version(index_root)
    if version is None or not version.is_dir():
        return {}
    try:
        stored = read_version(version)
    except IndexError_ as exc:  # a damaged current version: embed everything instead
        logger.warning("not reusing vectors of %s: %s", version, exc)
        return {}
    model = stored.manifest.get("model", {})
    if model.get("name") != embedder.name or model.get("dim") != embedder.dim:
        return {}
    matrix = stored.faiss_index.reconstruct_n(0, stored.faiss_index.ntotal)
    return {text_key(unit): matrix[row] for row, unit in enumerate(stored.units)}


def embed_incrementally(
    units: list[Unit], embedder: EmbedderLike, known: dict[str, np.ndarray]
) -> tuple[np.ndarray, int]:
    """Vectors for units, embedding only texts not in known; returns (vectors, embedded)."""
    keys = [text_key(unit) for unit in units]
    missing = [i for i, key in enumerate(keys) if key not in known]
    fresh = embed_units([units[i] for i in missing], embedder)
    vectors = np.zeros((len(units), embedder.dim), dtype=np.float32)
    for row, key in enumerate(keys):
        if key in known:
            vectors[row] = known[key]
    for position, row in enumerate(missing):
        vectors[row] = fresh[position]
    return vectors, len(missing)


def build_settings(
    chunk_params: ChunkParams, ranking: RankingParams | None, tuning: dict | None = None
) -> dict:
    settings = {
        "chunking": chunk_params.as_dict(),
        "tokenizer": TOKENIZER_VERSION,
        "ranking": (ranking or RankingParams()).as_dict(),
    }
    if tuning is not None:
        settings["tuning"] = tuning
    return settings


def corpus_ranking(
    source: Path, units: list[Unit], vectors: np.ndarray, embedder: EmbedderLike
) -> tuple[RankingParams | None, dict | None]:
    """Ranking settings for a folder of documents, tuned on pseudo-questions from its own
    passages (knowledge/build/autotune.py). The project's knowledge layout keeps RankingParams(),
    tuned on its labelled dev questions, which say more than pseudo-questions can."""
    if is_knowledge_layout(source):
        return None, None
    from knowledge.build.autotune import tune_ranking

    report = tune_ranking(
        units, vectors, embedder, known_word=getattr(embedder, "known_word", None)
    )
    return report.params, report.as_dict()


def write_new_version(
    source: Path,
    index_root: Path,
    embedder: EmbedderLike,
    chunk_params: ChunkParams | None = None,
    ranking: RankingParams | None = None,
    incremental: bool = False,
    info: dict | None = None,
    tune: bool = True,
) -> BuildReport:
    """Write a complete version folder without making it current (the caller holds build_lock).

    Validation and embedding happen before anything is written; on failure nothing is. Without
    `ranking`, a folder of documents gets settings tuned from itself (`tune=False`: the defaults).
    """
    started = time.perf_counter()
    chunk_params = chunk_params or ChunkParams()
    units, warnings = collect_units(source, chunk_params)
    embed_started = time.perf_counter()
    known = reusable_vectors(index_root, embedder) if incremental else {}
    vectors, embedded = embed_incrementally(units, embedder, known)
    embed_seconds = time.perf_counter() - embed_started
    tuning = None
    if ranking is None and tune:
        ranking, tuning = corpus_ranking(source, units, vectors, embedder)
    version = write_version(
        index_root,
        units,
        vectors,
        {"name": embedder.name, "dim": embedder.dim},
        build_settings(chunk_params, ranking, tuning),
        info={
            "source": str(source.resolve()),
            "warnings": len(warnings),
            "embedded": embedded,
            "reused": len(units) - embedded,
            **(info or {}),
        },
    )
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.kind] = counts.get(unit.kind, 0) + 1
    return BuildReport(
        version,
        len(units),
        time.perf_counter() - started,
        embed_seconds,
        counts,
        warnings,
        embedded=embedded,
        reused=len(units) - embedded,
        tuning=tuning,
    )


def build_index(
    source: Path,
    index_root: Path,
    embedder: EmbedderLike,
    keep: int = DEFAULT_KEEP,
    chunk_params: ChunkParams | None = None,
    ranking: RankingParams | None = None,
    incremental: bool = False,
    tune: bool = True,
) -> BuildReport:
    """Build a new version and make it current; on any failure the previous current stays."""
    with build_lock(index_root):
        report = write_new_version(
            source, index_root, embedder, chunk_params, ranking, incremental=incremental, tune=tune
        )
        activate(index_root, report.version)
        prune(index_root, keep=max(1, keep))
    return report

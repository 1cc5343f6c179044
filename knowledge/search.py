"""Search API used by the actions and the gateway: KnowledgeBase.load(...).search(query)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from knowledge.answer_kind import answered_kinds, asked_kinds, other_kind
from knowledge.answerability import Thresholds, confidence, is_answerable
from knowledge.language import detect_language
from knowledge.paths import default_index_dir
from knowledge.retriever import HybridIndex, QueryScores, RankingParams
from knowledge.store import IndexError_, StoredIndex, read_serving, read_version
from knowledge.text_tokens import bm25_tokens


class EmbedderLike(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model than the one loaded for queries."""


@dataclass
class Hit:
    doc_id: str
    kind: str  # "faq" | "document"
    score: float
    title: str
    text: str
    language: str | None
    source: dict[str, Any]
    faq_id: str | None = None
    answers: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "kind": self.kind,
            "score": round(self.score, 6),
            "title": self.title,
            "text": self.text,
            "language": self.language,
            "source": self.source,
        }
        if self.kind == "faq":
            out["faq_id"] = self.faq_id
            out["answers"] = self.answers
        if self.extra.get("same_text"):
            out["same_text"] = self.extra["same_text"]
        return out


@dataclass
class SearchResult:
    answerable: bool
    hits: list[Hit]
    language: str | None = None
    # Why the decision went this way: raw cosine and idf coverage of the best hit.
    signals: dict[str, float] = field(default_factory=dict)
    # Not answerable, but close: the FAQ entries among the hits, for a "did you mean" reply.
    nearby: list[Hit] = field(default_factory=list)


MAX_QUERY_CHARS = 2000

_EMBEDDERS: dict[str | None, EmbedderLike] = {}
_EMBEDDER_LOCK = threading.Lock()


def shared_embedder(path: str | None = None) -> EmbedderLike:
    """One embedder per model path per process: loading costs seconds and hundreds of MB."""
    with _EMBEDDER_LOCK:
        if path not in _EMBEDDERS:
            from knowledge.embedder import load_embedder

            _EMBEDDERS[path] = load_embedder(path)
        return _EMBEDDERS[path]


class KnowledgeBase:
    def __init__(
        self,
        stored: StoredIndex,
        embedder: EmbedderLike,
        params: RankingParams | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        model = stored.manifest.get("model", {})
        if model.get("dim") != embedder.dim or model.get("name") != embedder.name:
            raise IndexMismatchError(
                f"{stored.path}: built with model {model.get('name')!r} (dim {model.get('dim')}), "
                f"but the loaded embedder is {embedder.name!r} (dim {embedder.dim}); "
                "rebuild the index"
            )
        self.path = stored.path
        self.manifest = stored.manifest
        # Why `current` is not the version serving (it failed its checks), else None.
        self.passed_over: str | None = None
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        if params is None:
            params = RankingParams.from_dict(stored.manifest.get("settings", {}).get("ranking"))
        self.index = HybridIndex(
            stored.units, stored.faiss_index, params, getattr(embedder, "known_word", None)
        )
        self.units = stored.units
        # The kinds of answer each FAQ entry gives, read from its question variants.
        variants: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.kind == "faq" and unit.role == "question":
                variants.setdefault(unit.doc_id, []).append(unit.text)
        self.answered_kinds = {group: answered_kinds(texts) for group, texts in variants.items()}

    @classmethod
    def load(
        cls,
        index_dir: str | Path | None = None,
        embedder: EmbedderLike | None = None,
        version: str | Path | None = None,
        model_path: str | None = None,
    ) -> KnowledgeBase:
        """The index that `index_dir/current` points to (default: $DUTA_INDEX_DIR or var/index).

        Raises IndexMissingError / IndexCorruptError / IndexMismatchError (all IndexError_).
        """
        root = Path(index_dir) if index_dir else default_index_dir()
        passed_over = None
        if version:
            stored = read_version(Path(version))
        else:
            stored, passed_over = read_serving(root)
        # The index is read (and verified) before the model is loaded: a missing or corrupt index
        # fails fast, without seconds of model loading.
        kb = cls(stored, embedder or shared_embedder(model_path))
        kb.passed_over = passed_over
        return kb

    @property
    def version(self) -> str:
        return self.path.name

    def query_scores(self, query: str, vector: np.ndarray | None = None) -> QueryScores:
        """Per-unit scores of the query. BM25 gets the query with chat abbreviations spelled out
        and typos mended (knowledge/query_norm.py); the encoder gets it as typed, which measured
        better on the dev questions and the FAQ variants (docs/benchmarks.md)."""
        if vector is None:
            vector = self.embedder.embed_queries([query])[0]
        return self.index.score_units(vector, self.index.normaliser.normalise(query))

    def unheld_share(
        self, query: str, held: Iterable[str], lacking: Iterable[str] = ()
    ) -> float | None:
        """The share of the query's informative words (its idf mass, weighed as a record's
        coverage is) that none of the `held` texts contains, or that a `lacking` text names: what
        a reply made of those texts (a mission's card, an event's facts) leaves unanswered. The
        texts are mended as queries are, so that a word and its typo or abbreviation match.
        None for a query with no informative word."""
        weights = self.index.bm25.query_idf(self._tokens(query))
        total = sum(weights.values())
        if total <= 0:
            return None
        known = {token for text in held for token in self._tokens(text)}
        known -= {token for text in lacking for token in self._tokens(text)}
        return sum(w for term, w in weights.items() if term not in known) / total

    def _tokens(self, text: str) -> list[str]:
        return bm25_tokens(self.index.normaliser.normalise(text))

    def search(
        self, query: str, k: int = 5, lang: str | None = None, strict: bool = False
    ) -> SearchResult:
        """The best `k` hits and whether they answer the query; `strict` asks for the higher
        bar of a message the NLU judged out of scope (knowledge/answerability.py)."""
        return self.search_many([query], k, lang, strict)[0]

    def search_many(
        self, queries: list[str], k: int = 5, lang: str | None = None, strict: bool = False
    ) -> list[SearchResult]:
        """`search` for several queries, their embeddings computed in one batch (a follow-up is
        searched alone and together with earlier questions: one encoder pass, not several)."""
        # e5 reads at most 512 tokens anyway; the cap keeps BM25 and the tokenizer cheap on a
        # pasted essay.
        cleaned = [(query or "").strip()[:MAX_QUERY_CHARS] for query in queries]
        wanted = [query for query in cleaned if query and k > 0]
        embedded = self.embedder.embed_queries(wanted) if wanted else []
        vectors = dict(zip(wanted, embedded, strict=True))
        return [self._search(query, vectors.get(query), k, lang, strict) for query in cleaned]

    def _search(
        self, query: str, vector: np.ndarray | None, k: int, lang: str | None, strict: bool
    ) -> SearchResult:
        if vector is None:
            return SearchResult(answerable=False, hits=[], language=lang)
        language = lang or detect_language(query) or "id"
        scores = self.query_scores(query, vector)
        ranked = self.index.rank(scores, "fused", top=k)
        if not ranked:
            return SearchResult(answerable=False, hits=[], language=language)
        per_unit = self.index.unit_scores(scores, "fused")
        hits = [self._hit(g.group, g.score, g.unit, per_unit, language) for g in ranked]
        best = ranked[0]
        # How much of the question the chosen record holds (any of a FAQ entry's variants and
        # answers; a document's best chunk): the question's informative words that no part of
        # the answer contains are what it does not answer.
        coverage = best.coverage
        asked = asked_kinds(query)
        other = [other_kind(asked, self.answered_kinds.get(g.group)) for g in ranked]
        answerable = is_answerable(best.dense, coverage, self.thresholds, strict, other[0])
        signals = {
            "dense": best.dense,
            "coverage": coverage,
            "other_kind": float(other[0]),
            "confidence": confidence(best.dense, coverage, self.thresholds, other[0]),
            # The next record's confidence: an answer that leads it clearly is specific to the
            # question; one that ties it ("visa" alone) only shares its topic.
            "runner_up": max(
                (
                    confidence(g.dense, g.coverage, self.thresholds, o)
                    for g, o in zip(ranked[1:], other[1:], strict=True)
                ),
                default=0.0,
            ),
        }
        close = not answerable and signals["confidence"] >= self.thresholds.suggest_threshold
        nearby = [hit for hit in hits if hit.kind == "faq"] if close else []
        return SearchResult(answerable, hits, language, signals, nearby)

    def _hit(
        self, group: str, score: float, unit_index: int, per_unit: np.ndarray, language: str
    ) -> Hit:
        unit = self.units[unit_index]
        if unit.kind == "faq":
            answers = unit.answers or {}
            lang = language if language in answers else unit.language or "id"
            members = self.index.members[group]
            title = next(
                (self.units[i].title for i in members if self.units[i].language == lang), unit.title
            )
            return Hit(
                group,
                "faq",
                score,
                title,
                answers.get(lang, unit.text),
                lang,
                unit.source,
                faq_id=unit.faq_id,
                answers=answers,
                extra=dict(unit.extra),
            )
        if unit.role != "chunk" or unit.language not in (language, None):
            # A document's question variant is no passage to show, and bilingual records (events,
            # translated documents) should show the user's language: the group's best chunk,
            # in that language when there is one.
            chunks = [i for i in self.index.members[group] if self.units[i].role == "chunk"]
            same_lang = [i for i in chunks if self.units[i].language == language]
            unit = self.units[max(same_lang or chunks, key=lambda i: per_unit[i])]
        # Events and translations carry their title in the passage's language; a document's
        # own chunks carry title and extra titles joined, so they show the source's title.
        own_title = unit.doc_id.startswith("event:") or "translated_from" in unit.extra
        title = unit.title if own_title else unit.source.get("title") or unit.title
        return Hit(
            group,
            "document",
            score,
            title,
            unit.text,
            unit.language,
            unit.source,
            extra=dict(unit.extra),
        )

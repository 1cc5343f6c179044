"""Ranking settings tuned from the corpus itself when `knowledge build` indexes a folder of
documents (issue 17, "defaults that travel").

The project's own index keeps `RankingParams()`, tuned on its labelled dev questions. A folder of
someone else's documents has no questions, so the build makes pseudo-questions from its own
passages and picks, among a small grid of settings, the one that brings each pseudo-question's
document back best (MRR@10):

- a pseudo-question is a window of one sentence of a chunk (at most `WINDOW` words) with a third
  of it cut out in one span, as a factoid question leaves out the answer it asks for;
- the sentences are drawn with a seeded generator, so the same corpus gets the same settings;
- BM25's k1/b stay fixed (the grid varies only what is computed per query, so the query scores
  are computed once); only the fusion settings move.

Pseudo-questions copy the passage's words, which favours the lexical side more than real
questions do (they paraphrase), so among the settings the best does not beat by more than one
standard error (paired, over the pseudo-questions) the one with the larger dense weight wins.
No question of any evaluation set is used; bench/facqa.py `--cli-defaults` measures the result.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import faiss
import numpy as np

from knowledge.build.chunking import split_sentences
from knowledge.records import Unit
from knowledge.retriever import HybridIndex, QueryScores, RankingParams
from knowledge.text_tokens import bm25_tokens

TUNER_VERSION = "pseudo-window-2"
MAX_QUERIES = 300  # enough for a stable MRR; ~6 s of query embedding on one CPU thread
MIN_QUERIES = 30  # fewer: the signal is noise, keep the defaults
WINDOW = 12  # words of a sentence a pseudo-question keeps, about a question's length
SEED = 17
TIE = 1e-9

# The grid: where the dense side's weight, its pool, the BM25 floor and the coverage bonus matter
# (docs/benchmarks.md). k1/b and unit_share stay at the defaults.
GRID: dict[str, tuple[float | int, ...]] = {
    "dense_weight": (0.2, 0.35, 0.5, 0.65),
    "dense_pool": (20, 100),
    "bm25_floor": (0.0, 1.0),
    "coverage_bonus": (0.0, 0.6),
}


class QueryEmbedder(Protocol):
    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class PseudoQuery:
    text: str
    group: str  # the doc_id that should come first


@dataclass
class TuningReport:
    params: RankingParams
    queries: int
    reason: str  # "tuned" or why the defaults were kept
    mrr: float = 0.0  # of the chosen settings on the pseudo-questions
    default_mrr: float = 0.0  # of the defaults, for comparison
    scores: list[dict[str, Any]] = field(default_factory=list)  # every candidate's MRR
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": TUNER_VERSION,
            "reason": self.reason,
            "queries": self.queries,
            "mrr": round(self.mrr, 4),
            "default_mrr": round(self.default_mrr, 4),
            "seconds": round(self.seconds, 1),
        }


def pseudo_queries(
    units: Sequence[Unit], limit: int = MAX_QUERIES, seed: int = SEED
) -> list[PseudoQuery]:
    """Up to `limit` pseudo-questions from document chunks, one per chunk drawn (seeded)."""
    rng = random.Random(seed)
    chunks = [u for u in units if u.role == "chunk"]
    order = rng.sample(chunks, len(chunks))
    out: list[PseudoQuery] = []
    for unit in order:
        if len(out) >= limit:
            break
        # Sentences with a few informative words; a list or heading fragment says too little.
        sentences = [s.split() for s in split_sentences(unit.text)]
        sentences = [s for s in sentences if len(bm25_tokens(" ".join(s))) >= 4]
        if not sentences:
            continue
        words = rng.choice(sentences)
        size = min(len(words), WINDOW)
        start = rng.randrange(len(words) - size + 1)
        words = words[start : start + size]
        cut = len(words) // 3
        at = rng.randrange(len(words) - cut + 1)
        words = words[:at] + words[at + cut :]
        text = " ".join(words)
        if len(bm25_tokens(text)) >= 2:
            out.append(PseudoQuery(text, unit.doc_id))
    return out


def candidates(base: RankingParams) -> list[RankingParams]:
    """The grid around `base` (base's own values first, so it wins an exact tie of everything)."""
    names = list(GRID)
    grid = [
        replace(base, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*(GRID[n] for n in names))
    ]
    return [base] + [p for p in grid if p != base]


def reciprocal_ranks(
    index: HybridIndex,
    scores: Sequence[QueryScores],
    queries: Sequence[PseudoQuery],
    top: int = 10,
) -> np.ndarray:
    """Per query, the reciprocal rank (within `top`, else 0) of its group under index.params,
    from precomputed query scores."""
    ranks = np.zeros(len(queries))
    for i, (query_scores, query) in enumerate(zip(scores, queries, strict=True)):
        ranked = [g.group for g in index.rank(query_scores, "fused", top=top)]
        if query.group in ranked:
            ranks[i] = 1.0 / (ranked.index(query.group) + 1)
    return ranks


def choose(scored: Sequence[tuple[RankingParams, np.ndarray]]) -> tuple[RankingParams, float]:
    """The best MRR, or a setting the best does not beat by more than one standard error of
    their paired difference over the queries: of those, the larger dense weight (pseudo-questions
    copy the passage's words and understate paraphrase), then the earlier candidate (the defaults
    come first). A few queries' ranks are noise, not a reason to leave the prior."""
    means = [float(ranks.mean()) if len(ranks) else 0.0 for _, ranks in scored]
    best = int(np.argmax(means))
    best_ranks = scored[best][1]

    def beaten(ranks: np.ndarray) -> bool:
        diff = best_ranks - ranks
        error = float(diff.std(ddof=1)) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
        return float(diff.mean()) > error + TIE

    tied = [i for i, (_, ranks) in enumerate(scored) if not beaten(ranks)]
    chosen = max(tied, key=lambda i: (scored[i][0].dense_weight, -i))
    return scored[chosen][0], means[chosen]


def tune_ranking(
    units: list[Unit],
    vectors: np.ndarray,
    embedder: QueryEmbedder,
    base: RankingParams | None = None,
    known_word: Callable[[str], bool] | None = None,
    limit: int = MAX_QUERIES,
) -> TuningReport:
    """Settings for this corpus from its pseudo-questions, or `base` when there are too few."""
    started = time.perf_counter()
    base = base or RankingParams()
    queries = pseudo_queries(units, limit)
    if len(queries) < MIN_QUERIES:
        return TuningReport(
            base,
            len(queries),
            f"kept defaults: fewer than {MIN_QUERIES} sentences to make pseudo-questions from",
        )
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    index = HybridIndex(units, flat, base, known_word)
    texts = [q.text for q in queries]
    qvecs = np.concatenate(
        [embedder.embed_queries(texts[i : i + 64]) for i in range(0, len(texts), 64)]
    )
    # Query scores do not depend on the fusion settings: computed once, ranked per candidate.
    scores = [
        index.score_units(vector, index.normaliser.normalise(text))
        for vector, text in zip(qvecs, texts, strict=True)
    ]
    scored: list[tuple[RankingParams, np.ndarray]] = []
    for params in candidates(base):
        index.params = params
        scored.append((params, reciprocal_ranks(index, scores, queries)))
    chosen, mrr = choose(scored)
    return TuningReport(
        chosen,
        len(queries),
        "tuned",
        mrr,
        float(scored[0][1].mean()),
        [{**{n: getattr(p, n) for n in GRID}, "mrr": round(float(r.mean()), 4)} for p, r in scored],
        time.perf_counter() - started,
    )

"""The project's BM25 (knowledge/bm25.py) against bm25s, with the same tokens in the same place.

Issue 23: the hand-written BM25 stays only if it measures better than a kept library. Every row
ranks the same index with the same tokens (knowledge/text_tokens.py `bm25_tokens`), the same query
normalisation (knowledge/query_norm.py, via `KnowledgeBase.query_scores`) and the same query
vectors; only the object that turns tokens into per-unit BM25 scores changes
(`HybridIndex.bm25.scores`). The query's idf mass (the BM25 floor) and the coverage of the
question's informative words keep the project's Lucene idf in every row, so what differs is the
BM25 score itself: the implementation and, for bm25s's other methods, the variant.

bm25s's `lucene` and `robertson` term weights leave out Lucene's (k1 + 1) factor; the fused
ranking divides BM25 by max(best BM25, floor * idf mass), which assumes a term seen once in a
unit of average length weighs its idf, so those rows are scaled by (k1 + 1) ("x(k1+1)"); one row
shows bm25s's lucene scores as they come.

Sets: the project's retrieval questions (tests/data/retrieval_questions.yml, --split; the served
index, `KnowledgeBase.load`) and, with --facqa-index, FacQA test over an index built by
`python -m bench.facqa --cli-defaults --workdir DIR` (DIR/index; the ranking the build tuned).
Per set: BM25 only (right first / in top 5 by record; FacQA R@1, R@5, MRR@10) and fused as
`knowledge eval` and `knowledge search` rank (`kb.search`); questions won and lost against the
project's BM25 (fused, right first). Cost: build of the BM25 part alone over the set's units
(median of --repeat), its retained memory (tracemalloc) and the time of one query's scores.

    python -m bench.bm25 --split dev
    python -m bench.bm25 --split test --facqa-index /tmp/facqa/index

bm25s is not a dependency of the product (docs/benchmarks.md, "BM25"): install it beside the
bench (`uv pip install bm25s==0.3.16`) or point --bm25s-path at a folder that holds it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import EVAL_DIR, PROJECT_ROOT, machine, ranking_metrics
from knowledge.bm25 import BM25
from knowledge.build.evaluation import default_questions_path, evaluate, load_questions
from knowledge.retriever import HybridIndex, unit_index_text
from knowledge.search import EmbedderLike, KnowledgeBase
from knowledge.text_tokens import bm25_tokens

OWN = "project BM25 (knowledge/bm25.py)"


class Bm25sScores(BM25):
    """The project's BM25 for idf and postings (floor, coverage), bm25s for the scores."""

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float,
        b: float,
        method: str,
        scale: float = 1.0,
        delta: float = 0.5,
    ) -> None:
        super().__init__(corpus, k1, b)
        self.engine = build_bm25s(corpus, k1, b, method, delta)
        self.scale = scale

    def scores(self, query: Sequence[str]) -> np.ndarray:
        # Unknown terms are dropped by bm25s; an empty list would fail there.
        known = [t for t in query if t in self.engine.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.engine.get_scores(known), dtype=np.float32) * self.scale


def build_bm25s(corpus: Sequence[Sequence[str]], k1: float, b: float, method: str, delta: float):
    import bm25s

    engine = bm25s.BM25(k1=k1, b=b, method=method, delta=delta)
    engine.index([list(doc) for doc in corpus], show_progress=False)
    return engine


@dataclass(frozen=True)
class Variant:
    name: str
    make: Callable[[Sequence[Sequence[str]], float, float], BM25]
    # The BM25 part alone, for build time and memory (without the project's postings).
    build_only: Callable[[Sequence[Sequence[str]], float, float], object]


def variants() -> list[Variant]:
    def bm25s_variant(name: str, method: str, scaled: bool, delta: float = 0.5) -> Variant:
        return Variant(
            name,
            lambda c, k1, b: Bm25sScores(c, k1, b, method, (k1 + 1.0) if scaled else 1.0, delta),
            lambda c, k1, b: build_bm25s(c, k1, b, method, delta),
        )

    return [
        Variant(OWN, BM25, BM25),
        bm25s_variant("bm25s lucene x(k1+1)", "lucene", True),
        bm25s_variant("bm25s lucene, scores as they come", "lucene", False),
        bm25s_variant("bm25s robertson x(k1+1)", "robertson", True),
        bm25s_variant("bm25s atire", "atire", False),
        bm25s_variant("bm25s BM25L (delta 0.5)", "bm25l", False),
        bm25s_variant("bm25s BM25+ (delta 0.5)", "bm25+", False),
        bm25s_variant("bm25s BM25+ (delta 1.0)", "bm25+", False, 1.0),
    ]


class CachedQueries:
    """The KB's embedder, each query embedded once (as `kb.search` does: one at a time)."""

    def __init__(self, inner: EmbedderLike) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.known_word = getattr(inner, "known_word", None)
        self._vectors: dict[str, np.ndarray] = {}

    @property
    def texts(self) -> list[str]:
        return list(self._vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        for text in texts:
            if text not in self._vectors:
                self._vectors[text] = self.inner.embed_queries([text])[0]
        return np.stack([self._vectors[t] for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


def use_variant(kb: KnowledgeBase, variant: Variant) -> None:
    index = kb.index
    tokens = [bm25_tokens(unit_index_text(u)) for u in index.units]
    index.bm25 = variant.make(tokens, index.params.k1, index.params.b)


def cost(index: HybridIndex, variant: Variant, queries: list[list[str]], repeat: int) -> dict:
    tokens = [bm25_tokens(unit_index_text(u)) for u in index.units]
    k1, b = index.params.k1, index.params.b
    builds = []
    for _ in range(repeat):
        started = time.perf_counter()
        variant.build_only(tokens, k1, b)
        builds.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    kept = variant.build_only(tokens, k1, b)
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    scorer = variant.make(tokens, k1, b)
    for query in queries[:20]:  # warm-up
        scorer.scores(query)
    per_query = []
    for query in queries:
        started = time.perf_counter()
        scorer.scores(query)
        per_query.append((time.perf_counter() - started) * 1e6)
    per_query.sort()
    return {
        "build_ms": statistics.median(builds) * 1000,
        "retained_kib": retained / 1024,
        "peak_kib": peak / 1024,
        "query_us_p50": statistics.median(per_query),
        "query_us_p95": per_query[int(0.95 * (len(per_query) - 1))],
    }


def retrieval_questions(kb: KnowledgeBase, split: str) -> tuple[dict, list[bool], list[str]]:
    questions = load_questions(default_questions_path(), split)
    report = evaluate(kb, questions)  # as `python -m admin eval` counts
    right_first = []  # per question, for won / lost (the embeddings are cached: ranking only)
    for q in questions:
        result = kb.search(q.text, k=5)
        right_first.append(bool(result.hits) and result.hits[0].doc_id in q.expect)
    bm25_first = bm25_top5 = 0
    for q in questions:
        scores = kb.query_scores(q.text)
        ids = [g.group for g in kb.index.rank(scores, "bm25", top=5)]
        bm25_first += bool(ids) and ids[0] in q.expect
        bm25_top5 += any(i in q.expect for i in ids)
    n = len(questions)
    return (
        {
            "questions": n,
            "bm25_top1": bm25_first / n,
            "bm25_top5": bm25_top5 / n,
            "fused_top1": report.top1 / n,
            "fused_top5": report.top5 / n,
            "fused_top1_answerable": report.top1_answerable / n,
        },
        right_first,
        [q.text for q in questions],
    )


def facqa_questions() -> tuple[list[tuple[str, str]], dict[str, int]]:
    from bench.facqa import load_split

    splits = {s: load_split(EVAL_DIR / "facqa" / f"{s}.csv") for s in ("train", "valid", "test")}
    passages = list(dict.fromkeys(p for s in ("train", "valid", "test") for _, p in splits[s]))
    return splits["test"], {p: i for i, p in enumerate(passages)}


def facqa(kb: KnowledgeBase, test: list[tuple[str, str]], pid: dict[str, int]) -> tuple:
    bm25_ranks: list[int | None] = []
    fused_ranks: list[int | None] = []
    for question, passage in test:
        gold = f"p{pid[passage]}"
        ids = [g.group for g in kb.index.rank(kb.query_scores(question), "bm25", top=10)]
        bm25_ranks.append(ids.index(gold) + 1 if gold in ids else None)
        hits = [h.doc_id for h in kb.search(question, k=10).hits]
        fused_ranks.append(hits.index(gold) + 1 if gold in hits else None)
    metrics = {"bm25": ranking_metrics(bm25_ranks), "fused": ranking_metrics(fused_ranks)}
    return metrics, [r == 1 for r in fused_ranks]


def won_lost(own: list[bool], other: list[bool]) -> tuple[int, int]:
    won = sum(o and not m for m, o in zip(own, other, strict=True))
    lost = sum(m and not o for m, o in zip(own, other, strict=True))
    return won, lost


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "knowledge"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    return done.stdout.strip() + (" (knowledge/ modified)" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "none"), default="dev")
    parser.add_argument("--index", type=Path, help="project index root (default: var/index)")
    parser.add_argument("--facqa-index", type=Path, help="index root built from FacQA")
    parser.add_argument("--bm25s-path", type=Path, help="folder that holds the bm25s package")
    parser.add_argument("--repeat", type=int, default=5, help="builds timed per variant")
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = parser.parse_args()
    if args.bm25s_path:
        sys.path.insert(0, str(args.bm25s_path))
    try:
        import bm25s
    except ImportError:
        raise SystemExit("bm25s is not installed: uv pip install bm25s==0.3.16") from None

    chosen = [v for v in variants() if not args.only or v.name in args.only or v.name == OWN]
    started = dt.datetime.now(dt.UTC)
    print(
        f"BM25 comparison, {started:%Y-%m-%d %H:%M} UTC, commit {commit()}; {machine()}; "
        f"bm25s {bm25s.__version__}, numpy {np.__version__}"
    )
    sets: list[tuple[str, KnowledgeBase, Callable[[KnowledgeBase], tuple]]] = []
    if args.split != "none":
        kb = KnowledgeBase.load(args.index)
        kb.embedder = CachedQueries(kb.embedder)
        split = args.split
        sets.append((f"retrieval questions {split}", kb, lambda k: retrieval_questions(k, split)))
    if args.facqa_index:
        test, pid = facqa_questions()
        fkb = KnowledgeBase.load(args.facqa_index)
        fkb.embedder = CachedQueries(fkb.embedder)
        sets.append(("FacQA test", fkb, lambda k: facqa(k, test, pid)))

    for name, kb, run in sets:
        params = kb.index.params
        print(
            f"\n### {name}: {len(kb.units)} units, index {kb.version}, k1 {params.k1}, "
            f"b {params.b}, dense weight {params.dense_weight}, floor {params.bm25_floor}, "
            f"coverage bonus {params.coverage_bonus}\n"
        )
        rows: list[tuple[str, Any, list[bool]]] = []
        for variant in chosen:
            use_variant(kb, variant)
            metrics, right, *_ = run(kb)
            rows.append((variant.name, metrics, right))
        own_right = rows[0][2]
        if "questions" in rows[0][1]:
            n = rows[0][1]["questions"]
            print(
                f"{n} questions | BM25 only: right first | in top 5 | fused: right first | in top 5"
                " | right first and answerable | fused right first: won / lost vs project\n"
                "|---|---|---|---|---|---|---|"
            )
            for label, m, right in rows:
                won, lost = won_lost(own_right, right)
                print(
                    f"| {label} | {m['bm25_top1']:.3f} | {m['bm25_top5']:.3f} | "
                    f"{m['fused_top1']:.3f} | {m['fused_top5']:.3f} | "
                    f"{m['fused_top1_answerable']:.3f} | {won} / {lost} |"
                )
        else:
            print(
                f"{len(own_right)} questions | BM25 only: R@1 | R@5 | MRR@10 | fused: R@1 | R@5 |"
                " MRR@10 | fused R@1: won / lost vs project\n|---|---|---|---|---|---|---|---|"
            )
            for label, m, right in rows:
                won, lost = won_lost(own_right, right)
                b_, f_ = m["bm25"], m["fused"]
                print(
                    f"| {label} | {b_['R@1']:.3f} | {b_['R@5']:.3f} | {b_['MRR@10']:.3f} | "
                    f"{f_['R@1']:.3f} | {f_['R@5']:.3f} | {f_['MRR@10']:.3f} | {won} / {lost} |"
                )
        asked = kb.embedder.texts if isinstance(kb.embedder, CachedQueries) else []
        tokens = [bm25_tokens(kb.index.normaliser.normalise(q)) for q in asked]
        print(
            f"\nCost over these {len(kb.units)} units and {len(tokens)} queries "
            "(BM25 part only):\n\n"
            "| | build ms (median) | retained KiB | peak KiB | scores µs p50 | p95 |\n"
            "|---|---|---|---|---|---|"
        )
        for variant in chosen:
            c = cost(kb.index, variant, tokens, args.repeat)
            print(
                f"| {variant.name} | {c['build_ms']:.1f} | {c['retained_kib']:.0f} | "
                f"{c['peak_kib']:.0f} | {c['query_us_p50']:.1f} | {c['query_us_p95']:.1f} |"
            )
    print(f"\n{(dt.datetime.now(dt.UTC) - started).total_seconds():.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

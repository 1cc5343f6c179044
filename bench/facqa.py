"""FacQA retrieval benchmark (data and protocol: bench/data/README.md).

Index every distinct passage of the three splits, ask each test question, and score whether its own
passage comes back: R@1, R@5, MRR@10 for BM25 only, dense only and fused, in one run. Ties are
broken by passage order (first appearance over train, valid, test), as a real index would.

    python bench/facqa.py            # test split, with the tuned parameters below
    python bench/facqa.py --tune     # grid over fusion parameters on train + valid (never test)
    python -m bench.facqa --cli-defaults [--data DIR] [--workdir DIR]

--cli-defaults measures what a user gets: the passages written as one .jsonl file, `python -m
knowledge build --source` on it and `python -m admin search --json --queries` with the test
questions, both as subprocesses with default settings (so the ranking the build tunes from the
passages themselves, knowledge/build/autotune.py); the BM25-only and dense-only rankings come from
the same built index and the same query path (KnowledgeBase.query_scores). The build indexes a
passage whose text another one repeats (case, spacing and punctuation aside) once, and its hits
name the copies (`same_text`): "fused" counts a question found when the hit holds its passage,
"fused_own_id" only when the hit's own id is the passage's.
The data folder is --data, else bench/data/facqa.
"""

from __future__ import annotations

import argparse
import ast
import csv
import itertools
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from bench.common import EVAL_DIR, PROJECT_ROOT, cached_embeddings, machine, ranking_metrics
from knowledge.records import Unit
from knowledge.retriever import HybridIndex, RankingParams

# Chosen with --tune on train + valid (docs/benchmarks.md). The fusion weight differs from the
# project index's default: FacQA questions share most words with their passage, so BM25 carries
# more of the signal here than for paraphrased, cross-language questions.
# coverage_bonus 0: on train + valid it moved R@1 by -0.002..+0.001 (0.15, 0.3, 0.6), so off.
FACQA_PARAMS = RankingParams(
    k1=0.9, b=0.4, dense_weight=0.35, dense_pool=100, bm25_floor=0.0, coverage_bonus=0.0
)


def load_split(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        (" ".join(ast.literal_eval(r["question"])), " ".join(ast.literal_eval(r["passage"])))
        for r in rows
    ]


def passage_units(passages: list[str]) -> list[Unit]:
    # One unit per passage: FacQA passages are one to three sentences, shorter than a chunk.
    return [
        Unit(f"p{i}", "document", f"p{i}", "chunk", "id", "", text, {})
        for i, text in enumerate(passages)
    ]


def evaluate(
    index: HybridIndex,
    questions: list[tuple[str, str]],
    qvecs: np.ndarray,
    pid: dict[str, int],
    modes: tuple[str, ...],
) -> dict[str, dict[str, float]]:
    ranks: dict[str, list[int | None]] = {m: [] for m in modes}
    for (question, passage), qvec in zip(questions, qvecs, strict=True):
        scores = index.score_units(qvec, question)
        gold = f"p{pid[passage]}"
        for mode in modes:
            ranked = [g.group for g in index.rank(scores, mode, top=10)]
            ranks[mode].append(ranked.index(gold) + 1 if gold in ranked else None)
    return {m: ranking_metrics(r) for m, r in ranks.items()}


def _knowledge(*args: str) -> str:
    """`python -m admin ARGS` as a user runs it; its stdout, or an error with its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "admin", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m admin {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def rank_of(gold: str, held: list[list[str]]) -> int | None:
    """The 1-based rank of the first hit whose ids include `gold`, or None."""
    return next((rank for rank, ids in enumerate(held, 1) if gold in ids), None)


def cli_defaults(
    splits: dict[str, list[tuple[str, str]]],
    passages: list[str],
    workdir: Path,
    model: str | None,
    tune: bool = True,
) -> dict:
    """FacQA through the command line with default settings (see the module docstring)."""
    from knowledge.search import KnowledgeBase

    source, index = workdir / "passages", workdir / "index"
    source.mkdir(parents=True, exist_ok=True)
    with (source / "facqa.jsonl").open("w", encoding="utf-8") as handle:
        for i, text in enumerate(passages):
            handle.write(json.dumps({"id": f"p{i}", "text": text}, ensure_ascii=False) + "\n")
    test = splits["test"]
    questions = workdir / "questions.txt"
    questions.write_text("".join(q + "\n" for q, _ in test), encoding="utf-8")
    pid = {p: i for i, p in enumerate(passages)}
    model_args = ["--model", model] if model else []
    started = time.perf_counter()
    built = _knowledge(
        "build",
        "--source",
        str(source),
        "--index",
        str(index),
        *model_args,
        *([] if tune else ["--no-tune"]),
    )
    build_seconds = time.perf_counter() - started
    lines = _knowledge(
        "search",
        "--index",
        str(index),
        "--k",
        "10",
        "--json",
        "--queries",
        str(questions),
        *model_args,
    ).splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    if len(records) != len(test):
        raise SystemExit(f"search answered {len(records)} of {len(test)} questions")
    ranks: dict[str, list[int | None]] = {"fused": [], "fused_own_id": [], "bm25": [], "dense": []}
    for record, (question, passage) in zip(records, test, strict=True):
        if record["query"] != question.strip():  # search answers one line per question, in order
            raise SystemExit(f"answers out of order at {question!r}")
        gold = f"p{pid[passage]}"
        # A hit stands for its copies too (`same_text`: passages with the same text, which the
        # build indexes once); "fused_own_id" counts only the id the hit carries.
        held = [[hit["doc_id"], *hit.get("same_text", [])] for hit in record["hits"]]
        ranks["fused"].append(rank_of(gold, held))
        ranks["fused_own_id"].append(rank_of(gold, [ids[:1] for ids in held]))
    # The single-signal rankings of the same index, through the same query path as search.
    kb = KnowledgeBase.load(index, model_path=model)
    copies = {u.doc_id: u.extra.get("same_text", []) for u in kb.units}
    for question, passage in test:
        scores = kb.query_scores(question)
        gold = f"p{pid[passage]}"
        for mode in ("bm25", "dense"):
            groups = [g.group for g in kb.index.rank(scores, mode, top=10)]
            ranks[mode].append(rank_of(gold, [[g, *copies.get(g, [])] for g in groups]))
    settings = kb.manifest["settings"]
    return {
        "passages": len(passages),
        "units": len(kb.units),
        "questions": len(test),
        "build": built.strip().splitlines(),
        "build_seconds": round(build_seconds, 1),
        "ranking": settings["ranking"],
        "tuning": settings.get("tuning"),
        "results": {m: ranking_metrics(r) for m, r in ranks.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="grid search on train+valid")
    parser.add_argument("--cli-defaults", action="store_true", help="build + search as a user")
    parser.add_argument(
        "--no-tune", action="store_true", help="with --cli-defaults: build --no-tune"
    )
    parser.add_argument("--data", type=Path, help="FacQA folder (default bench/data/facqa)")
    parser.add_argument("--workdir", type=Path, help="with --cli-defaults: keep files here")
    parser.add_argument("--model", help="embedding model folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = args.data or EVAL_DIR / "facqa"
    splits = {s: load_split(data / f"{s}.csv") for s in ("train", "valid", "test")}
    if args.cli_defaults:
        passages = list(dict.fromkeys(p for s in ("train", "valid", "test") for _, p in splits[s]))
        with tempfile.TemporaryDirectory() as tmp:
            report = cli_defaults(
                splits, passages, args.workdir or Path(tmp), args.model, not args.no_tune
            )
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=False))
            return 0
        print(
            f"FacQA test through the CLI: {report['questions']} questions over "
            f"{report['passages']} passages ({report['units']} units); {machine()}; build "
            f"{report['build_seconds']}s\nranking {report['ranking']}\ntuning {report['tuning']}"
        )
        print("| ranking | R@1 | R@5 | MRR@10 |\n|---|---|---|---|")
        for mode in ("bm25", "dense", "fused", "fused_own_id"):
            r = report["results"][mode]
            print(f"| {mode} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} |")
        return 0

    from knowledge.embedder import load_embedder

    passages = list(dict.fromkeys(p for s in ("train", "valid", "test") for _, p in splits[s]))
    pid = {p: i for i, p in enumerate(passages)}
    embedder = load_embedder(args.model)
    started = time.perf_counter()
    pvecs = cached_embeddings("facqa-passages", passages, embedder.embed_passages, embedder.name)
    # Queries go through the traced query encoder (knowledge/query_encoder.py) unless it is off:
    # its vectors differ slightly, so they are cached under their own key.
    encoder = getattr(embedder, "query_encoder", None)
    query_model = f"{embedder.name}+{encoder.version if encoder else 'exact'}"
    units = passage_units(passages)
    flat = faiss.IndexFlatIP(pvecs.shape[1])
    flat.add(np.ascontiguousarray(pvecs, dtype=np.float32))

    if args.tune:
        dev = splits["train"] + splits["valid"]
        qvecs = cached_embeddings(
            "facqa-trainvalid-q", [q for q, _ in dev], embedder.embed_queries, query_model
        )
        for k1, b, w, pool in itertools.product(
            (0.6, 0.9, 1.2), (0.4, 0.75), (0.25, 0.35, 0.5), (20, 50, 100)
        ):
            params = replace(FACQA_PARAMS, k1=k1, b=b, dense_weight=w, dense_pool=pool)
            result = evaluate(HybridIndex(units, flat, params), dev, qvecs, pid, ("fused",))[
                "fused"
            ]
            print(
                json.dumps(
                    {"params": params.as_dict(), **{k: round(v, 4) for k, v in result.items()}}
                ),
                flush=True,
            )
        return 0

    test = splits["test"]
    qvecs = cached_embeddings(
        "facqa-test-q", [q for q, _ in test], embedder.embed_queries, query_model
    )
    results = evaluate(
        HybridIndex(units, flat, FACQA_PARAMS), test, qvecs, pid, ("bm25", "dense", "fused")
    )
    elapsed = time.perf_counter() - started
    if args.json:
        print(
            json.dumps(
                {
                    "passages": len(passages),
                    "questions": len(test),
                    "params": FACQA_PARAMS.as_dict(),
                    "results": results,
                    "seconds": elapsed,
                },
                indent=2,
            )
        )
    else:
        print(
            f"FacQA test: {len(test)} questions over {len(passages)} passages; {machine()}; "
            f"model {embedder.name}; params {FACQA_PARAMS.as_dict()}; {elapsed:.0f}s"
        )
        print("| ranking | R@1 | R@5 | MRR@10 |\n|---|---|---|---|")
        for mode in ("bm25", "dense", "fused"):
            r = results[mode]
            print(f"| {mode} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

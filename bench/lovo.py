"""Leave-one-variant-out (LOVO) over the FAQ question variants: a tuning signal that is not the dev
questions, to catch changes that only fit dev.

Each FAQ question variant is asked as a query with that one unit masked out of the ranking (its
cosine set to the lowest of the query, its BM25 to 0; the other variants and the answer of its
entry stay). The entry it belongs to should still come first: then the entry is reachable by a
way of asking that its own wording does not hold verbatim. BM25 statistics (idf, average length)
still count the masked unit, which moves scores by a hair; the ranking code is the serving one
(`HybridIndex.rank` over `KnowledgeBase.query_scores`).

    python -m bench.lovo [--index DIR] [--show-failures] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from knowledge.build.evaluation import Tally
from knowledge.retriever import QueryScores


@dataclass
class LovoReport:
    total: int = 0
    top1: int = 0
    top5: int = 0
    by_language: Tally = field(default_factory=Tally)
    by_family: Tally = field(default_factory=Tally)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "variants": self.total,
            "top1": round(self.top1 / self.total, 4) if self.total else 0.0,
            "top5": round(self.top5 / self.total, 4) if self.total else 0.0,
            "by_language": self.by_language.rates("variants"),
            "by_family": self.by_family.rates("variants"),
            "failures": self.failures,
        }

    def summary(self) -> str:
        n = self.total or 1
        return (
            f"{self.total} FAQ question variants, each with itself masked: own entry first "
            f"{self.top1 / n:.3f} ({self.top1}), in top 5 {self.top5 / n:.3f}\n"
            f"  by language: {self.by_language}\n  by family: {self.by_family}"
        )


def masked(scores: QueryScores, unit: int) -> QueryScores:
    """The query's scores with one unit taken out of the ranking."""
    dense = scores.dense.copy()
    bm25 = scores.bm25.copy()
    dense[unit] = dense.min()
    bm25[unit] = 0.0
    return replace(scores, dense=dense, bm25=bm25)


def family(faq_id: str) -> str:
    """First two parts of an id ('citizen-safe-travel-what' -> 'citizen-safe')."""
    return "-".join(faq_id.split("-")[:2])


def leave_one_variant_out(kb: Any, k: int = 5) -> LovoReport:
    """LOVO over every FAQ question variant of a loaded KnowledgeBase."""
    report = LovoReport()
    for position, unit in enumerate(kb.units):
        if unit.kind != "faq" or unit.role != "question":
            continue
        scores = masked(kb.query_scores(unit.text), position)
        ranked = [g.group for g in kb.index.rank(scores, "fused", top=k)]
        ok = bool(ranked) and ranked[0] == unit.doc_id
        report.total += 1
        report.top1 += ok
        report.top5 += unit.doc_id in ranked
        report.by_language.add(unit.language or "?", ok)
        report.by_family.add(family(unit.doc_id), ok)
        if not ok:
            report.failures.append(
                {
                    "variant": unit.text,
                    "unit": unit.unit_id,
                    "expected": unit.doc_id,
                    "got": ranked[:3],
                }
            )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.lovo",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument(
        "--index", type=Path, help="index root (default: $DUTA_INDEX_DIR or var/index)"
    )
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from knowledge.search import KnowledgeBase

    kb = KnowledgeBase.load(args.index)
    report = leave_one_variant_out(kb)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"index {kb.version}")
    print(report.summary())
    if args.show_failures:
        for failure in report.failures:
            print(
                f"  MISS {failure['variant']!r}: expected {failure['expected']}, "
                f"got {failure['got']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

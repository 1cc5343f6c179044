"""Calibrates the knowledge layer's "no answer" decision (knowledge/answerability.py) on dev sets.

    .venv/bin/python -m bench.answerability [--index DIR] [--min-right 0.90]
    .venv/bin/python -m bench.answerability --held-out   # the test splits, at the index's values

Every dev question goes through `KnowledgeBase.search` once; then a grid of (coverage_weight,
threshold) is swept over its signals. The pick maximises the share of near-domain dev questions
declined (tests/data/near_domain_unanswerable.yml, questions next to the knowledge that it does not
answer) while keeping

- the retrieval dev questions answered with the right record first at `--min-right` or more,
- every fact question (tests/data/fact_questions.yml) answerable,
- xSID valid (far out of scope, both languages) declined at 0.97 or more.

The strict bar (a message the NLU judged out of scope) is then the lowest that declines 0.99 of
xSID valid with every fact question still answerable. Only dev data is read: the test splits are
for reporting (bench.near_domain, bench.chat_oos, `knowledge eval`), never for choosing values.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bench.common import PROJECT_ROOT, machine
from bench.oos import load_xsid
from knowledge.build.evaluation import default_questions_path, load_questions
from knowledge.search import KnowledgeBase

NEAR_DOMAIN = PROJECT_ROOT / "tests" / "data" / "near_domain_unanswerable.yml"
FACTS = PROJECT_ROOT / "tests" / "data" / "fact_questions.yml"
WEIGHTS = np.round(np.arange(0.0, 0.41, 0.02), 2)
# Off the confidence of a FAQ entry that answers another kind of question (answer_kind.py).
PENALTIES = (0.0, 0.01, 0.02, 0.03, 0.05)
THRESHOLDS = np.round(np.arange(0.86, 1.0, 0.002), 3)
MIN_XSID_DECLINED = 0.97
MIN_XSID_DECLINED_STRICT = 0.99


@dataclass
class Signals:
    """dense cosine, coverage, whether the best record answers another kind of question, and
    (for answerable sets) whether the right record came first."""

    dense: np.ndarray
    coverage: np.ndarray
    right: np.ndarray
    other_kind: np.ndarray

    @classmethod
    def of(
        cls, kb: KnowledgeBase, texts: Iterable[str], expect: Sequence[Iterable[str]] | None = None
    ) -> Signals:
        dense, coverage, right, other_kind = [], [], [], []
        for n, text in enumerate(texts):
            result = kb.search(text, k=1)
            dense.append(result.signals.get("dense", 0.0))
            coverage.append(result.signals.get("coverage", 0.0))
            other_kind.append(result.signals.get("other_kind", 0.0))
            top = result.hits[0].doc_id if result.hits else None
            right.append(expect is not None and top in set(expect[n]))
        return cls(np.array(dense), np.array(coverage), np.array(right), np.array(other_kind))

    def confidence(self, weight: float, penalty: float) -> np.ndarray:
        return self.dense + weight * self.coverage - penalty * self.other_kind

    def answered(self, weight: float, threshold: float, penalty: float) -> np.ndarray:
        return self.confidence(weight, penalty) >= threshold


def load_sets(kb: KnowledgeBase, held_out: bool = False) -> dict[str, Signals]:
    """The dev sets, or with `held_out` the test splits (xSID test instead of valid)."""
    questions = load_questions(default_questions_path(), "test" if held_out else "dev")
    near = yaml.safe_load(NEAR_DOMAIN.read_text(encoding="utf-8"))["test" if held_out else "dev"]
    facts = yaml.safe_load(FACTS.read_text(encoding="utf-8"))["questions"]
    xsid_split = "test" if held_out else "valid"
    xsid = [text for lang in ("id", "en") for _, text in load_xsid(xsid_split, lang)]
    return {
        "retrieval": Signals.of(kb, [q.text for q in questions], [q.expect for q in questions]),
        "facts": Signals.of(kb, [f["q"] for f in facts]),
        "near_domain": Signals.of(kb, [item["q"] for item in near]),
        "xsid": Signals.of(kb, xsid),
    }


def rates(
    sets: dict[str, Signals], weight: float, threshold: float, penalty: float
) -> dict[str, float]:
    def answered(name: str) -> np.ndarray:
        return sets[name].answered(weight, threshold, penalty)

    return {
        "right_answered": float((answered("retrieval") & sets["retrieval"].right).mean()),
        "facts_answered": float(answered("facts").mean()),
        "near_domain_declined": float(1 - answered("near_domain").mean()),
        "xsid_declined": float(1 - answered("xsid").mean()),
    }


def pick(
    sets: dict[str, Signals], min_right: float
) -> tuple[float, float, float, dict[str, float]]:
    """(weight, threshold, penalty, rates) declining the most near-domain questions within the
    constraints; on a tie the first found (smaller penalty, weight, threshold)."""
    best: tuple[float, float, float, dict[str, float]] | None = None
    for penalty in PENALTIES:
        for weight in WEIGHTS:
            for threshold in THRESHOLDS:
                r = rates(sets, float(weight), float(threshold), penalty)
                feasible = (
                    r["right_answered"] >= min_right
                    and r["facts_answered"] == 1.0
                    and r["xsid_declined"] >= MIN_XSID_DECLINED
                )
                declined = r["near_domain_declined"]
                if feasible and (best is None or declined > best[3]["near_domain_declined"]):
                    best = (float(weight), float(threshold), penalty, r)
    if best is None:
        raise SystemExit(f"no setting keeps the retrieval dev right-and-answered >= {min_right}")
    return best


def pick_strict(sets: dict[str, Signals], weight: float, threshold: float, penalty: float) -> float:
    for strict in THRESHOLDS[threshold <= THRESHOLDS]:
        r = rates(sets, weight, float(strict), penalty)
        if r["xsid_declined"] >= MIN_XSID_DECLINED_STRICT:
            return float(strict) if r["facts_answered"] == 1.0 else threshold
    return threshold


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--min-right", type=float, default=0.90)
    parser.add_argument(
        "--held-out", action="store_true", help="report the test splits; pick nothing"
    )
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.index)
    current = kb.thresholds
    sets = load_sets(kb, args.held_out)
    title = "held-out report" if args.held_out else "calibration"
    print(f"Answerability {title} over index {kb.version}; {machine()}")
    print("sizes: " + ", ".join(f"{name} {len(s.dense)}" for name, s in sets.items()))
    print(
        "| setting | weight | threshold | other-kind penalty | right & answered | facts "
        "| near-domain declined | xSID declined |\n|---|---|---|---|---|---|---|---|"
    )

    def row(name: str, weight: float, threshold: float, penalty: float) -> None:
        r = rates(sets, weight, threshold, penalty)
        print(
            f"| {name} | {weight} | {threshold} | {penalty} | {r['right_answered']:.3f} | "
            f"{r['facts_answered']:.3f} | {r['near_domain_declined']:.3f} | "
            f"{r['xsid_declined']:.3f} |"
        )

    row("current", current.coverage_weight, current.threshold, current.other_kind_penalty)
    if args.held_out:
        return 0
    row("current without the penalty", current.coverage_weight, current.threshold, 0.0)
    weight, threshold, penalty, _ = pick(sets, args.min_right)
    row("picked", weight, threshold, penalty)
    strict = pick_strict(sets, weight, threshold, penalty)
    row("picked strict", weight, strict, penalty)
    print(
        f"\nThresholds(coverage_weight={weight}, threshold={threshold}, strict={strict}, "
        f"other_kind_penalty={penalty})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

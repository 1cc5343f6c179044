"""Picks the bar under which an answer Duta gave counts as low-confidence (the staff console's
queue, issue 22 point 2), on dev sets only.

    .venv/bin/python -m bench.low_confidence [--index DIR]

An answer is given when the knowledge layer's confidence reaches `Thresholds.threshold`
(knowledge/answerability.py). Among the dev questions that get an answer, the wrong ones are a
retrieval dev question whose first record is not an expected one, and any near-domain dev or
xSID valid question (neither has an answer in the knowledge). Flagging "answered and confidence <
bar" is scored as a detector of those wrong answers; the pick is the bar with the best F1 (ties:
the lower bar, fewer right answers sent to staff). The fact questions are only reported: how many
of them, all answerable, would be flagged.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.answerability import Signals, load_sets
from bench.common import machine
from knowledge.answerability import Thresholds
from knowledge.search import KnowledgeBase

STEP = 0.002
SPAN = 0.12  # bars from the answer bar up to this much above it


def confidences(signals: Signals, bars: Thresholds) -> np.ndarray:
    return signals.confidence(bars.coverage_weight, bars.other_kind_penalty)


def score(sets: dict[str, Signals], bars: Thresholds, bar: float) -> dict[str, float]:
    threshold = bars.threshold
    flagged_wrong = flagged = wrong = 0
    for name in ("retrieval", "near_domain", "xsid"):
        conf = confidences(sets[name], bars)
        answered = conf >= threshold
        is_wrong = answered & ~sets[name].right if name == "retrieval" else answered
        low = answered & (conf < bar)
        flagged_wrong += int((low & is_wrong).sum())
        flagged += int(low.sum())
        wrong += int(is_wrong.sum())
    retrieval = sets["retrieval"]
    conf = confidences(retrieval, bars)
    right = (conf >= threshold) & retrieval.right
    facts = confidences(sets["facts"], bars)
    precision = flagged_wrong / flagged if flagged else 0.0
    recall = flagged_wrong / wrong if wrong else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "flagged": float(flagged),
        "wrong": float(wrong),
        "right_flagged": float((right & (conf < bar)).sum() / max(int(right.sum()), 1)),
        "facts_flagged": float(((facts >= threshold) & (facts < bar)).mean()),
    }


def pick(sets: dict[str, Signals], bars: Thresholds) -> tuple[float, dict]:
    best: tuple[float, dict] | None = None
    threshold = bars.threshold
    for bar in np.round(np.arange(threshold + STEP, threshold + SPAN, STEP), 3):
        result = score(sets, bars, float(bar))
        if best is None or result["f1"] > best[1]["f1"]:
            best = (float(bar), result)
    assert best is not None
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--index", type=Path)
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.index)
    bars, threshold = kb.thresholds, kb.thresholds.threshold
    sets = load_sets(kb)
    print(f"Low-confidence bar over index {kb.version}; {machine()}")
    print("sizes: " + ", ".join(f"{name} {len(s.dense)}" for name, s in sets.items()))
    print(
        "| bar | flagged | wrong answers | precision | recall | F1 | right answers flagged "
        "| facts flagged |\n|---|---|---|---|---|---|---|---|"
    )
    bar, _ = pick(sets, bars)
    shown = {round(threshold + STEP * n, 3) for n in range(1, 60, 5)} | {bar}
    for candidate in sorted(shown):
        r = score(sets, bars, candidate)
        mark = " (picked)" if candidate == bar else ""
        print(
            f"| {candidate}{mark} | {r['flagged']:.0f} | {r['wrong']:.0f} | {r['precision']:.3f} "
            f"| {r['recall']:.3f} | {r['f1']:.3f} | {r['right_flagged']:.3f} "
            f"| {r['facts_flagged']:.3f} |"
        )
    print(f"\nLOW_CONFIDENCE_BAR = {bar}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

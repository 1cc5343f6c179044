"""The calibrated "no answer" decision, from absolute scores of the best hit.

Fused scores are rescaled per query, so they say which hit is best but not whether any hit is good.
The decision uses the raw cosine of the best hit plus a little credit for how much of the query's
informative words (idf mass) that hit contains:

    confidence = dense + coverage_weight * coverage;  answerable when confidence >= threshold

Tuned on xSID valid (out of scope, both languages) and the dev split of
tests/data/retrieval_questions.yml (in scope) with multilingual-e5-small, whose cosines sit in a
narrow band (unrelated text scores about 0.80-0.88): another model needs new values.
See bench/oos.py and docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Thresholds:
    coverage_weight: float = 0.10
    threshold: float = 0.885

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def confidence(dense: float, coverage: float, thresholds: Thresholds) -> float:
    return dense + thresholds.coverage_weight * coverage


def is_answerable(dense: float, coverage: float, thresholds: Thresholds) -> bool:
    return confidence(dense, coverage, thresholds) >= thresholds.threshold

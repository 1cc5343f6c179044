"""The calibrated "no answer" decision, from absolute scores of the best hit.

Fused scores are rescaled per query, so they say which hit is best but not whether any hit is good:
the decision uses the raw cosine of the best hit and how much of the query's informative words it
contains. Thresholds tuned on xSID valid (out of scope) and the dev split of
tests/data/retrieval_questions.yml (in scope); see bench/oos.py and docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Thresholds:
    dense_alone: float = 0.86  # this close in meaning is enough without shared words
    dense_with_words: float = 0.80  # a weaker semantic match is enough when words agree ...
    coverage: float = 0.5  # ... covering at least this share of the query's idf mass

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def is_answerable(dense: float, coverage: float, thresholds: Thresholds) -> bool:
    if dense >= thresholds.dense_alone:
        return True
    return dense >= thresholds.dense_with_words and coverage >= thresholds.coverage

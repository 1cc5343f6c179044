"""Hybrid ranking: FAISS inner product on normalised vectors + BM25, fused per unit and pooled per
document or FAQ entry (a group), so several matching chunks or question variants of one source
count once, at their best."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import faiss
import numpy as np

from knowledge.bm25 import BM25
from knowledge.query_norm import QueryNormaliser
from knowledge.records import Unit
from knowledge.text_tokens import bm25_tokens

MODES = ("fused", "bm25", "dense")


@dataclass(frozen=True)
class RankingParams:
    # Defaults for the project's index, tuned on the dev split of tests/data/retrieval_questions.yml
    # (paraphrases and cross-language questions lean on the dense side). bench/facqa.py tunes
    # its own values on FacQA train/valid; see docs/benchmarks.md. Stored in each index's manifest.
    k1: float = 0.9
    b: float = 0.4
    dense_weight: float = 0.65
    dense_pool: int = 20  # dense scores are rescaled between the pool-th best and the best
    # BM25 is divided by max(best BM25, bm25_floor * idf mass of the query): a query whose words
    # barely occur (an English question over Indonesian text) then leans on the dense side instead
    # of blowing a weak lexical match up to 1.0.
    # (0.5 with dense_weight 0.6 gained 2 dev questions and 6 of the 571 leave-one-variant-out
    # variants, but cost 0.017 of xSID valid id "no answer": kept at 1.0; docs/benchmarks.md.)
    bm25_floor: float = 1.0
    # How a group (FAQ entry or document) is scored from its units: 1.0 = its best unit's fused
    # score (max pooling); 0.0 = dense_weight * its best dense unit + (1 - dense_weight) * its
    # best BM25 unit, so a FAQ whose question variant matches the meaning and whose answer holds
    # the words beats a neighbour that only has one close variant. Tuned on the dev split
    # (0.917 -> 0.927 right first); FacQA has one unit per group, where both are the same.
    unit_share: float = 0.0
    # Added to a group's score: coverage_bonus * the share of the query's idf mass that the record
    # contains (a FAQ entry: any of its variants or answers; a document: its best chunk). The
    # normalised scores above say how well a record matches relative to the others; this says
    # how much of the question it holds, so a record that has every informative word beats a
    # neighbour on the same topic that has the common ones. Tuned on the dev split and the
    # leave-one-variant-out signal (bench/lovo.py); docs/benchmarks.md.
    coverage_bonus: float = 0.6
    max_dense_candidates: int = 2048

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, float | int] | None) -> RankingParams:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GroupScore:
    group: str  # doc_id of a document or the FAQ id
    score: float
    unit: int  # index of the best unit of the group
    dense: float  # raw cosine of the group's best dense unit
    bm25: float  # raw BM25 of the group's best lexical unit
    coverage: float  # share of the query's idf mass the group holds (record_coverage)


@dataclass(frozen=True)
class QueryScores:
    dense: np.ndarray  # raw cosine per unit
    bm25: np.ndarray  # raw BM25 per unit
    tokens: list[str]


def unit_index_text(unit: Unit) -> str:
    return unit.embed_text()


class HybridIndex:
    def __init__(
        self,
        units: list[Unit],
        index: faiss.Index,
        params: RankingParams | None = None,
        known_word: Callable[[str], bool] | None = None,
    ) -> None:
        if index.ntotal != len(units):
            raise ValueError(f"{len(units)} units but {index.ntotal} vectors")
        self.units = units
        self.index = index
        self.params = params or RankingParams()
        texts = [unit_index_text(u) for u in units]
        tokens = [bm25_tokens(text) for text in texts]
        self.bm25 = BM25(tokens, self.params.k1, self.params.b)
        # Spells out chat abbreviations and mends typos against this index's words (queries only).
        self.normaliser = QueryNormaliser(texts, known_word)
        keys: dict[str, int] = {}
        self.group_of = np.array(
            [keys.setdefault(u.doc_id, len(keys)) for u in units], dtype=np.int64
        )
        self.groups = list(keys)
        # Units ordered by group and where each group starts, so that per-group maxima are one
        # reduceat instead of an unbuffered ufunc.at (the slowest step of ranking).
        self._by_group = np.argsort(self.group_of, kind="stable")
        self._group_starts = np.searchsorted(self.group_of[self._by_group], np.arange(len(keys)))
        self.members: dict[str, list[int]] = {}
        for index, unit in enumerate(units):
            self.members.setdefault(unit.doc_id, []).append(index)
        self.group_is_faq = np.array([units[self.members[g][0]].kind == "faq" for g in self.groups])

    def score_units(self, query_vector: np.ndarray, query: str) -> QueryScores:
        n = len(self.units)
        dense = np.zeros(n, dtype=np.float32)
        if n:
            k = min(n, self.params.max_dense_candidates)
            sims, ids = self.index.search(np.ascontiguousarray(query_vector.reshape(1, -1)), k)
            # Units beyond the candidate list get the lowest returned score: they rank last anyway.
            dense.fill(float(sims[0, -1]))
            valid = ids[0] >= 0
            dense[ids[0][valid]] = sims[0][valid]
        tokens = bm25_tokens(query)
        return QueryScores(dense=dense, bm25=self.bm25.scores(tokens), tokens=tokens)

    def normalised(self, scores: QueryScores) -> tuple[np.ndarray, np.ndarray]:
        """Dense and BM25 per unit on one 0..1 scale for this query."""
        top_bm25 = float(scores.bm25.max()) if len(scores.bm25) else 0.0
        if self.params.bm25_floor > 0:
            idf_mass = sum(self.bm25.query_idf(scores.tokens).values())
            top_bm25 = max(top_bm25, self.params.bm25_floor * idf_mass)
        bm25_norm = scores.bm25 / top_bm25 if top_bm25 > 0 else scores.bm25
        dense = scores.dense
        if len(dense) == 0:
            return dense, bm25_norm
        pool = min(self.params.dense_pool, len(dense))
        best = float(dense.max())
        floor = float(np.partition(dense, len(dense) - pool)[len(dense) - pool])
        # Min-max against the pool keeps dense and BM25 on one 0..1 scale per query.
        dense_norm = np.clip((dense - floor) / max(best - floor, 1e-6), 0.0, 1.0)
        return dense_norm, bm25_norm

    def unit_scores(self, scores: QueryScores, mode: str = "fused") -> np.ndarray:
        if mode == "dense":
            return scores.dense
        if mode == "bm25":
            return scores.bm25
        if mode != "fused":
            raise ValueError(f"mode must be one of {MODES}")
        dense_norm, bm25_norm = self.normalised(scores)
        w = self.params.dense_weight
        return w * dense_norm + (1.0 - w) * bm25_norm

    def _group_max(self, values: np.ndarray) -> np.ndarray:
        if len(values) == 0:
            return np.zeros(0)
        grouped = np.asarray(values, dtype=np.float64)[self._by_group]
        return np.maximum.reduceat(grouped, self._group_starts)

    def rank(self, scores: QueryScores, mode: str = "fused", top: int = 10) -> list[GroupScore]:
        per_unit = self.unit_scores(scores, mode)
        if len(per_unit) == 0:
            return []
        best_dense = self._group_max(scores.dense)
        best_bm25 = self._group_max(scores.bm25)
        # Each group's best unit (shown as the hit, used by the no-answer decision): the first of
        # the group when units are visited best first. np.unique gives each group's first
        # position in that order (every group has a unit, so all of them are there).
        order = np.argsort(-per_unit, kind="stable")
        _, first_seen = np.unique(self.group_of[order], return_index=True)
        best_unit = order[first_seen]
        group_score = self._group_max(per_unit)
        share = self.params.unit_share
        if mode == "fused" and share < 1.0:
            dense_norm, bm25_norm = self.normalised(scores)
            w = self.params.dense_weight
            pooled = w * self._group_max(dense_norm) + (1.0 - w) * self._group_max(bm25_norm)
            group_score = share * group_score + (1.0 - share) * pooled
        coverage = self.record_coverage(scores)
        if mode == "fused" and self.params.coverage_bonus:
            group_score = group_score + self.params.coverage_bonus * coverage
        # Best score first; ties keep the order of each group's best unit.
        groups = np.lexsort((first_seen, -group_score))
        return [
            GroupScore(
                self.groups[g],
                float(group_score[g]),
                int(best_unit[g]),
                float(best_dense[g]),
                float(best_bm25[g]),
                float(coverage[g]),
            )
            for g in groups[:top]
        ]

    def held_idf(self, scores: QueryScores) -> tuple[np.ndarray, np.ndarray]:
        """Per unit and per group (in any of its units), the share of the query's idf mass held
        there: 1.0 when every informative query word occurs, 0.0 when none does (or the query
        has no informative word)."""
        weights = self.bm25.query_idf(scores.tokens)
        total = sum(weights.values())
        per_unit = np.zeros(len(self.units))
        per_group = np.zeros(len(self.groups))
        if total <= 0:
            return per_unit, per_group
        for term, weight in weights.items():
            units = self.bm25.units_with(term)
            per_unit[units] += weight / total
            per_group[np.unique(self.group_of[units])] += weight / total
        return per_unit, per_group

    def record_coverage(self, scores: QueryScores) -> np.ndarray:
        """Per group, the share of the query's idf mass it holds: in any unit of a FAQ entry
        (its variants and answers are one record), in the best single chunk of a document."""
        per_unit, per_group = self.held_idf(scores)
        return np.where(self.group_is_faq, per_group, self._group_max(per_unit))

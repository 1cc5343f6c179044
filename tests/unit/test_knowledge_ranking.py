"""Group scoring of the hybrid ranking: a FAQ entry counts its question variants and its answer
together, so a neighbour with one close variant does not win on that alone."""

from __future__ import annotations

import faiss
import numpy as np

from knowledge.records import Unit
from knowledge.retriever import HybridIndex, RankingParams


def _unit(group: str, role: str, text: str) -> Unit:
    return Unit(f"{group}#{role}", "faq", group, role, "en", group, text, {"title": group}, group)


def _vector(cosine: float) -> np.ndarray:
    # Unit vectors at a chosen cosine to the query direction (1, 0).
    return np.array([cosine, np.sqrt(1.0 - cosine**2)], dtype=np.float32)


# The overview entry holds the answer to "when was icdd held" (its answer has the words); the
# follow-up entry only has one variant that is a little closer in meaning.
UNITS = [
    (_unit("followup", "question", "which earlier event did icdd build on"), 0.93),
    (_unit("followup", "answer", "it followed the regional conference"), 0.70),
    (_unit("overview", "question", "what is icdd"), 0.92),
    (_unit("overview", "answer", "icdd was held on 16 november 2021 in bali"), 0.80),
    (_unit("panels", "question", "what were the panels"), 0.60),
    (_unit("theme", "question", "what was the theme"), 0.50),
]


def _index(unit_share: float) -> HybridIndex:
    vectors = np.stack([_vector(c) for _, c in UNITS])
    flat = faiss.IndexFlatIP(2)
    flat.add(vectors)
    params = RankingParams(dense_pool=4, unit_share=unit_share, coverage_bonus=0.0)
    return HybridIndex([u for u, _ in UNITS], flat, params)


def _ranking(index: HybridIndex, query: str) -> list[str]:
    scores = index.score_units(_vector(1.0), query)
    return [g.group for g in index.rank(scores, "fused", top=4)]


def test_entry_scored_from_all_its_units_beats_one_close_variant() -> None:
    query = "when was icdd held"
    assert _ranking(_index(unit_share=1.0), query)[0] == "followup"  # max pooling alone
    ranked = _ranking(_index(unit_share=0.0), query)
    assert ranked[:2] == ["overview", "followup"]


def test_group_hit_keeps_its_best_unit_and_raw_signals() -> None:
    index = _index(unit_share=0.0)
    scores = index.score_units(_vector(1.0), "when was icdd held")
    top = index.rank(scores, "fused", top=1)[0]
    assert index.units[top.unit].unit_id in ("overview#question", "overview#answer")
    assert abs(top.dense - 0.92) < 1e-5  # raw cosine of the entry's best unit
    assert top.bm25 == float(scores.bm25[3])  # the answer holds the query's words


def test_dense_and_bm25_modes_rank_by_raw_scores() -> None:
    index = _index(unit_share=0.0)
    scores = index.score_units(_vector(1.0), "when was icdd held")
    assert [g.group for g in index.rank(scores, "dense", top=2)] == ["followup", "overview"]
    assert index.rank(scores, "bm25", top=1)[0].group == "overview"


def _document(group: str, index: int, text: str) -> Unit:
    return Unit(f"{group}#{index}", "document", group, "chunk", "id", group, text, {"title": group})


def test_coverage_bonus_prefers_the_record_that_holds_the_whole_question() -> None:
    # The FAQ entry is a little closer in meaning; only the document's chunk has "etika".
    units = [
        (_unit("hybrid", "question", "apa itu diplomasi hybrid"), 0.93),
        (_unit("hybrid", "answer", "gabungan diplomasi fisik dan digital"), 0.85),
        (_document("report", 0, "diplomasi hybrid harus menjaga keamanan dan etika"), 0.80),
        (_document("report", 1, "seminar dibuka oleh menteri"), 0.70),
        (_unit("theme", "question", "apa tema konferensi"), 0.60),
        (_unit("panels", "question", "apa saja panelnya"), 0.55),
    ]
    vectors = np.stack([_vector(c) for _, c in units])
    flat = faiss.IndexFlatIP(2)
    flat.add(vectors)
    query = "etika dalam diplomasi hybrid"

    def first(bonus: float) -> tuple[str, float]:
        params = RankingParams(dense_pool=4, coverage_bonus=bonus)
        index = HybridIndex([u for u, _ in units], flat, params)
        scores = index.score_units(_vector(1.0), query)
        coverage = dict(zip(index.groups, index.record_coverage(scores), strict=True))
        return index.rank(scores, "fused", top=1)[0].group, coverage["report"]

    assert first(0.0)[0] == "hybrid"
    group, report_coverage = first(0.6)
    assert group == "report" and report_coverage > 0.9  # its first chunk holds every word


def test_record_coverage_counts_a_faq_entry_as_one_record_and_a_document_by_chunk() -> None:
    units = [
        _unit("entry", "question", "kapan icdd"),
        _unit("entry", "answer", "diadakan di bali"),
        _document("doc", 0, "kapan icdd"),
        _document("doc", 1, "diadakan di bali"),
    ]
    flat = faiss.IndexFlatIP(2)
    flat.add(np.stack([_vector(0.9)] * len(units)))
    index = HybridIndex(units, flat, RankingParams(dense_pool=2))
    scores = index.score_units(_vector(1.0), "kapan icdd di bali")
    coverage = dict(zip(index.groups, index.record_coverage(scores), strict=True))
    assert coverage["entry"] > 0.99  # its question and its answer together hold every word
    assert 0.3 < coverage["doc"] < 0.8  # no single chunk does

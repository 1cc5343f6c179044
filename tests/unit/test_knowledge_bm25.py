"""The project's BM25 is Lucene's BM25 (what bench/bm25.py compared with bm25s; issue 23)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.bm25 import won_lost
from knowledge.bm25 import BM25

CORPUS = [
    ["visa", "kunjung", "visa"],
    ["paspor", "hilang", "lapor", "kbri"],
    ["visa", "paspor"],
    [],
]


def lucene(tf: int, df: int, length: int, n: int, avg: float, k1: float, b: float) -> float:
    """Lucene's BM25 term weight, written out from its definition."""
    idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * length / avg))


def test_scores_are_lucene_bm25() -> None:
    k1, b = 0.9, 0.4
    bm25 = BM25(CORPUS, k1, b)
    avg = sum(map(len, CORPUS)) / len(CORPUS)
    got = bm25.scores(["visa", "paspor"])
    want = [
        lucene(2, 2, 3, 4, avg, k1, b),
        lucene(1, 2, 4, 4, avg, k1, b),
        lucene(1, 2, 2, 4, avg, k1, b) * 2,
        0.0,
    ]
    assert got == pytest.approx(want, rel=1e-5)


def test_a_repeated_query_term_counts_once_and_unknown_terms_score_nothing() -> None:
    bm25 = BM25(CORPUS, 0.9, 0.4)
    assert np.array_equal(bm25.scores(["visa", "visa"]), bm25.scores(["visa"]))
    assert not bm25.scores(["tiket"]).any()
    assert not bm25.scores([]).any()


def test_idf_postings_and_the_ceiling_for_unknown_terms() -> None:
    bm25 = BM25(CORPUS, 0.9, 0.4)
    assert sorted(bm25.units_with("paspor").tolist()) == [1, 2]
    assert bm25.units_with("tiket").size == 0
    weights = bm25.query_idf(["kbri", "tiket", "visa"])
    # An unseen word is as informative as a word seen once.
    assert weights["tiket"] == pytest.approx(weights["kbri"]) == pytest.approx(bm25.max_idf())
    assert weights["visa"] < weights["kbri"]


def test_an_empty_corpus_scores_nothing() -> None:
    bm25 = BM25([], 0.9, 0.4)
    assert bm25.scores(["visa"]).size == 0
    assert bm25.query_idf(["visa"]) == {"visa": 0.0}


def test_won_lost_counts_questions_each_side_gets_right_alone() -> None:
    assert won_lost([True, True, False, False], [True, False, True, True]) == (2, 1)


def test_bm25s_lucene_rescaled_ranks_as_the_project_does() -> None:
    """bench/bm25.py's main row: the same numbers from bm25s (only where it is installed)."""
    pytest.importorskip("bm25s")
    from bench.bm25 import Bm25sScores

    corpus = [doc for doc in CORPUS if doc] + [["kbri", "tokyo", "lapor", "diri"]]
    own = BM25(corpus, 0.9, 0.4)
    other = Bm25sScores(corpus, 0.9, 0.4, "lucene", scale=1.9)
    for query in (["visa"], ["paspor", "lapor"], ["kbri", "tiket"], []):
        assert other.scores(query) == pytest.approx(own.scores(query), rel=1e-5)

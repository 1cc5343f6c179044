"""Ranking settings tuned from the corpus at build time (knowledge/build/autotune.py) and the
untitled documents whose chunks no longer repeat their opening as a title."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from knowledge.build.autotune import (
    GRID,
    MIN_QUERIES,
    WINDOW,
    candidates,
    choose,
    pseudo_queries,
    tune_ranking,
)
from knowledge.build.builder import build_index, collect_units
from knowledge.build.chunking import ChunkParams
from knowledge.build.loaders import make_document
from knowledge.build.units import document_units
from knowledge.retriever import RankingParams
from knowledge.store import current_version
from tests.unit.knowledge_testkit import FakeEmbedder, make_knowledge_folder

_SYLLABLES = ("ka", "ri", "mu", "to", "sen", "da", "lo", "pi", "ne", "gar", "bu", "wi", "so")


# A small vocabulary, so passages share words and the ranking has something to get wrong.
_VOCABULARY = sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("n", "s")})[:120]


def _word(rng: random.Random) -> str:
    return rng.choice(_VOCABULARY)


def _corpus(folder: Path, documents: int = 60, seed: int = 3) -> Path:
    """A folder of untitled passages of made-up words: two sentences of 10-16 words each from a
    vocabulary of 120, so every passage yields a pseudo-question and passages overlap."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "passages.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(documents):
            sentences = [
                " ".join(_word(rng) for _ in range(rng.randint(10, 16))).capitalize() + "."
                for _ in range(2)
            ]
            handle.write(json.dumps({"id": f"d{i}", "text": " ".join(sentences)}) + "\n")
    return folder


class NoiseEmbedder(FakeEmbedder):
    """Random vectors: the dense side carries no signal, so tuning must lean on BM25."""

    name = "noise"

    def _embed(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(len(texts) * 7919 + sum(map(len, texts)))
        out = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_pseudo_queries_are_seeded_windows_of_their_own_chunk(tmp_path: Path) -> None:
    units, _ = collect_units(_corpus(tmp_path / "docs"))
    first = pseudo_queries(units, limit=40)
    assert first == pseudo_queries(units, limit=40)  # same corpus, same questions
    assert len(first) == 40 and len({q.group for q in first}) == 40  # one per chunk drawn
    chunks = {u.doc_id: u.text for u in units}
    for query in first:
        words = query.text.split()
        # A window of one sentence with a third cut out: fewer words than the window, all of
        # them from the chunk the question should bring back.
        assert 2 <= len(words) <= WINDOW - WINDOW // 3
        assert set(words) <= set(chunks[query.group].split())
    assert pseudo_queries(units, limit=40, seed=1) != first


def test_pseudo_queries_skip_sentences_with_too_few_informative_words() -> None:
    doc = make_document("d", "Ini dan itu. Yang ada di sana.", {}, "t")
    assert pseudo_queries(document_units(doc, ChunkParams())) == []


def test_candidates_put_the_base_first_and_cover_the_grid() -> None:
    base = RankingParams()
    grid = candidates(base)
    assert grid[0] == base and len(set(grid)) == len(grid)
    # The project's defaults are a point of the grid, so they are not counted twice.
    assert len(grid) == int(np.prod([len(v) for v in GRID.values()]))
    assert {p.dense_weight for p in grid} >= set(GRID["dense_weight"])
    assert {(p.k1, p.b) for p in grid} == {(base.k1, base.b)}  # BM25 is built once


def _ranks(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_choose_best_then_larger_dense_weight_then_first() -> None:
    a, b, c = (RankingParams(dense_weight=w) for w in (0.5, 0.2, 0.65))
    clear = [(a, _ranks(0.5, 0.5, 0.5, 0.5)), (b, _ranks(1, 1, 1, 1)), (c, _ranks(1, 1, 0, 0))]
    assert choose(clear) == (b, 1.0)
    tie = _ranks(1, 0.5, 1, 1)
    assert choose([(a, tie), (b, tie), (c, tie)]) == (c, 0.875)  # tie: the dense side's weight
    same = RankingParams(dense_weight=0.5, dense_pool=100)
    assert choose([(a, tie), (same, tie)]) == (a, 0.875)  # full tie: the first (the defaults)


def test_choose_counts_a_difference_within_its_noise_as_a_tie() -> None:
    lexical, dense = RankingParams(dense_weight=0.2), RankingParams(dense_weight=0.5)
    best = np.ones(300)
    one_query_worse = best.copy()
    one_query_worse[7] = 0.5  # one pseudo-question second instead of first: noise
    assert choose([(lexical, best), (dense, one_query_worse)])[0] == dense
    many_worse = best.copy()
    many_worse[:30] = 0.5  # 30 of 300 worse: the lexical side is better
    assert choose([(lexical, best), (dense, many_worse)])[0] == lexical


def test_too_small_a_corpus_keeps_the_defaults(tmp_path: Path) -> None:
    units, _ = collect_units(_corpus(tmp_path / "docs", documents=MIN_QUERIES - 5))
    vectors = FakeEmbedder().embed_passages([u.embed_text() for u in units])
    report = tune_ranking(units, vectors, FakeEmbedder())
    assert report.params == RankingParams() and report.reason.startswith("kept defaults")


def test_a_useless_dense_side_is_tuned_down(tmp_path: Path) -> None:
    # 100 passages: enough pseudo-questions that the noise costs the defaults more than one.
    units, _ = collect_units(_corpus(tmp_path / "docs", documents=100))
    embedder = NoiseEmbedder()
    vectors = embedder.embed_passages([u.embed_text() for u in units])
    report = tune_ranking(units, vectors, embedder)
    assert report.reason == "tuned" and report.queries == 100
    assert report.params.dense_weight < RankingParams().dense_weight
    assert report.mrr > report.default_mrr  # the defaults trust the noise at 0.65
    assert report.mrr > 0.9


def test_build_tunes_a_document_folder_and_stores_it(tmp_path: Path) -> None:
    source = _corpus(tmp_path / "docs", documents=100)
    report = build_index(source, tmp_path / "index", NoiseEmbedder())
    manifest = json.loads((current_version(tmp_path / "index") / "manifest.json").read_text())
    settings = manifest["settings"]
    assert settings["tuning"] == report.tuning and report.tuning["reason"] == "tuned"
    assert settings["ranking"]["dense_weight"] < RankingParams().dense_weight

    build_index(source, tmp_path / "plain", NoiseEmbedder(), tune=False)
    manifest = json.loads((current_version(tmp_path / "plain") / "manifest.json").read_text())
    assert "tuning" not in manifest["settings"]
    assert manifest["settings"]["ranking"] == RankingParams().as_dict()


def test_the_project_layout_keeps_its_hand_tuned_defaults(tmp_path: Path) -> None:
    source = make_knowledge_folder(tmp_path / "knowledge")
    report = build_index(source, tmp_path / "index", FakeEmbedder())
    manifest = json.loads((current_version(tmp_path / "index") / "manifest.json").read_text())
    assert report.tuning is None and "tuning" not in manifest["settings"]
    assert manifest["settings"]["ranking"] == RankingParams().as_dict()


@pytest.mark.parametrize("meta", [{}, {"title": "Judul"}])
def test_an_untitled_document_does_not_repeat_its_opening(meta: dict[str, str]) -> None:
    text = "Kalimat pertama yang panjang. " * 30  # several chunks
    doc = make_document("d", text, meta, "t")
    units = document_units(doc, ChunkParams())
    assert len(units) > 1
    if meta:
        assert all(u.embed_text().startswith("Judul\n") for u in units)
    else:
        # The source still shows the opening as the title; the chunks are their own text.
        assert doc.source.title == text.strip()[:80]
        assert all(u.title == "" and u.embed_text() == f"\n{u.text}" for u in units)

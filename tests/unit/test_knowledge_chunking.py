"""Sentence splitting and overlapping, sentence-aligned chunks that carry their title."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.build.chunking import ChunkParams, chunk_text, split_sentences
from knowledge.build.units import document_units
from knowledge.records import Document, Source


def test_split_keeps_titles_and_initials_inside_sentences() -> None:
    text = (
        "Acara diisi oleh Dr. Ayu Larasati, S.Sos., M.Ikom. dan H.E. Chalief Akbar. "
        "Narasumber lain adalah Aisyah M. Allamanda dari Kemlu. Apakah itu jelas? Ya!"
    )
    assert split_sentences(text) == [
        "Acara diisi oleh Dr. Ayu Larasati, S.Sos., M.Ikom. dan H.E. Chalief Akbar.",
        "Narasumber lain adalah Aisyah M. Allamanda dari Kemlu.",
        "Apakah itu jelas?",
        "Ya!",
    ]


def test_paragraph_breaks_end_sentences() -> None:
    assert split_sentences("Judul tanpa titik\n\nKalimat satu. Kalimat dua.") == [
        "Judul tanpa titik",
        "Kalimat satu.",
        "Kalimat dua.",
    ]


def test_chunks_are_sentence_aligned_and_overlap_by_one_sentence() -> None:
    sentences = [f"Kalimat nomor {i} berisi beberapa kata tambahan di sini." for i in range(12)]
    chunks = chunk_text(" ".join(sentences), ChunkParams(max_words=30, overlap_sentences=1))
    assert len(chunks) > 2
    split = [split_sentences(c) for c in chunks]
    for piece in split:
        assert all(s in sentences for s in piece)  # no sentence is cut
        assert len(" ".join(piece).split()) <= 30
    for before, after in itertools.pairwise(split):
        assert after[0] == before[-1]  # one sentence of overlap
    assert split[0][0] == sentences[0] and split[-1][-1] == sentences[-1]


def test_overlong_sentence_is_split_by_words() -> None:
    sentence = " ".join(f"kata{i}" for i in range(100)) + "."
    chunks = chunk_text(sentence, ChunkParams(max_words=40))
    assert all(len(c.split()) <= 40 for c in chunks)
    assert chunks[0].split()[0] == "kata0" and chunks[-1].endswith("kata99.")


def test_document_chunks_carry_their_title() -> None:
    doc = Document(
        "d1",
        "Judul Dokumen",
        "Kalimat pertama. " * 30,
        "id",
        Source("Judul Dokumen"),
        extra_titles=("Document title",),
    )
    units = document_units(doc, ChunkParams(max_words=20))
    assert len(units) > 1
    for index, unit in enumerate(units):
        assert unit.unit_id == f"d1#{index}" and unit.doc_id == "d1" and unit.kind == "document"
        assert unit.embed_text().startswith("Judul Dokumen | Document title\n")
        assert "Judul Dokumen" not in unit.text


words = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
# A sentence ending in a one-letter word ("A.") reads as an initial ("Aisyah M. Allamanda") and
# joins the next sentence on purpose, so generated sentences end in a longer word.
sentence = st.tuples(
    st.lists(words, max_size=14), st.text(alphabet="abcdefghij", min_size=2, max_size=8)
).map(lambda parts: " ".join([*parts[0], parts[1]]).capitalize() + ".")


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=25), st.integers(min_value=5, max_value=60))
def test_every_sentence_lands_in_a_chunk(sentences: list[str], max_words: int) -> None:
    text = " ".join(sentences)
    chunks = chunk_text(text, ChunkParams(max_words=max_words))
    assert chunks
    assert all(len(c.split()) <= max_words for c in chunks)
    joined = " ".join(chunks)
    for s in sentences:
        if len(s.split()) <= max_words:
            assert s in joined

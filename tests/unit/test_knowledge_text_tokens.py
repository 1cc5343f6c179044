"""BM25 tokens (knowledge/text_tokens.py): a verb, its noun and its colloquial form meet on one
stem, and an affix never comes off when it would leave one syllable."""

from __future__ import annotations

import pytest

from knowledge.text_tokens import bm25_tokens, stem


@pytest.mark.parametrize(
    "family",
    [
        ("mengadu", "pengaduan", "diadukan"),  # three-letter root in two syllables
        ("mengisi", "pengisian", "berisi"),
        ("memperpanjang", "perpanjangan", "diperpanjang"),
        ("kedutaan", "duta"),
        ("pelayanan", "layanan"),
    ],
)
def test_a_word_family_shares_one_stem(family: tuple[str, ...]) -> None:
    assert {stem(word) for word in family} == {stem(family[0])}


@pytest.mark.parametrize("word", ["jalan", "bulan", "pesan", "makan", "dinas", "kerja"])
def test_no_affix_comes_off_when_one_syllable_would_be_left(word: str) -> None:
    assert stem(word) == word


def test_stopwords_go_and_particles_on_question_words_with_them() -> None:
    assert bm25_tokens("Apakah bisa mengadu ke KBRI?") == ["adu", "kbri"]


def test_what_is_left_of_contractions_and_chat_particles_carries_no_meaning() -> None:
    assert bm25_tokens("I'd like a visa, it's urgent") == ["like", "visa", "urgent"]
    assert bm25_tokens("rcdd tuh apaan sih") == ["rcdd"]

"""The kind of answer a question asks for, and the entries that answer another kind."""

from __future__ import annotations

import pytest

from knowledge.answer_kind import answered_kinds, asked_kinds, other_kind


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Who opened ICDD 2021?", {"who"}),
        ("siapa yg buka icdd", {"who"}),
        ("kpn icdd diadain", {"when"}),
        ("ICDD tahun berapa?", {"when"}),  # the year, not an amount
        ("pasal berapa yang mewajibkan lapor diri?", set()),  # which article, not an amount
        ("lapor diri dmn ya", {"where"}),
        ("di mana KBRI Tokyo?", {"where"}),
        ("knp hrs lapor diri", {"why"}),
        ("gimana cara perpanjang paspor", {"how"}),
        ("How do I renew my passport?", {"how"}),
        ("How many people attended?", {"amount"}),  # not "how"
        ("how much is the e-VOA", {"amount"}),
        ("biayanya brp", {"amount"}),
        ("visa on arrival fee", set()),  # no question word: no particular kind
        ("", set()),
    ],
)
def test_asked_kinds(question: str, kinds: set[str]) -> None:
    assert asked_kinds(question) == kinds


def test_a_record_answers_the_kinds_its_variants_ask() -> None:
    variants = ["Kapan ICDD diadakan?", "When was ICDD held?", "ICDD date"]
    assert answered_kinds(variants) == {"when"}
    assert answered_kinds([]) == frozenset()


def test_other_kind_only_when_both_sides_have_kinds_and_share_none() -> None:
    when = frozenset({"when"})
    assert other_kind(asked_kinds("how many people came to ICDD?"), when)
    assert not other_kind(asked_kinds("kapan ICDD?"), when)
    assert not other_kind(asked_kinds("ICDD date"), when)  # the question asks no kind
    assert not other_kind(asked_kinds("how many came?"), None)  # a document: no variants
    assert not other_kind(asked_kinds("how many came?"), frozenset())


def test_where_and_how_answer_each_other() -> None:
    """Where to report or apply is told by how to: a procedure entry answers both."""
    how = frozenset({"how"})
    assert not other_kind(asked_kinds("mau lapor keluhan layanan KBRI ke mana"), how)
    assert not other_kind(asked_kinds("where do I send a complaint?"), how)
    assert other_kind(asked_kinds("when was the complaint form introduced?"), how)

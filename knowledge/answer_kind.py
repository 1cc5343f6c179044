"""What kind of answer a question asks for: a person, a time, a place, a reason, a way, an amount.

A FAQ entry answers the kinds its own question variants ask (staff wrote them). A question next to
the knowledge often shares an entry's topic and words but asks for another kind: "how many people
attended the seminar?" against an entry on when and where it was held and who spoke, "berapa
biaya SPLP?" against the steps after a lost passport. knowledge/answerability.py lowers the
confidence of an answer whose entry asks none of the question's kinds. Documents and events have
no variants to read kinds from and are never judged on this.

The words are the question words of both languages, with their chat spellings; a question with
none of them ("visa on arrival fee") asks no particular kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# "tahun berapa" asks when and "pasal berapa" which article, not how many: read first.
_NOT_AMOUNTS = (
    (re.compile(r"\b(tahun|thn|th|tanggal|tgl)\s+(berapa|brp)\b"), " kapan "),
    (re.compile(r"\b(pasal|nomor|no)\s+(berapa|brp)\b"), " which "),
)
_KINDS = {
    "who": r"\b(who|whom|whose|siapa\w*|sapa)\b",
    "when": r"\b(when|kapan\w*|kpn|what year|which year|what date)\b",
    "where": r"\b(where|wheres|dimana\w*|di\s?mana|dmn|di\s?mn|kemana|ke\s?mana|darimana|drmn)\b",
    "why": r"\b(why|kenapa|mengapa|knp|napa)\b",
    "how": r"\b(how(?!\s+(many|much|long|old|often))|bagaimana\w*|gimana|gmn|gmna|caranya|cara)\b",
    "amount": r"\b(how\s+(many|much|long)|berapa\w*|brp|jumlah)\b",
}
_PATTERNS = {kind: re.compile(pattern) for kind, pattern in _KINDS.items()}


def asked_kinds(text: str) -> frozenset[str]:
    """The kinds of answer `text` asks for; empty when it has no question word."""
    text = (text or "").lower()
    for pattern, replacement in _NOT_AMOUNTS:
        text = pattern.sub(replacement, text)
    return frozenset(kind for kind, pattern in _PATTERNS.items() if pattern.search(text))


def answered_kinds(questions: Iterable[str]) -> frozenset[str]:
    """The kinds a record answers: every kind its question variants ask."""
    return frozenset().union(*(asked_kinds(question) for question in questions))


# Kinds that answer each other: where to apply or report is told by how to ("mau lapor keluhan
# ke mana" against "bagaimana cara menyampaikan pengaduan").
_ANSWER_EACH_OTHER = (frozenset({"how", "where"}),)


def _with_kin(kinds: frozenset[str]) -> frozenset[str]:
    return kinds.union(*(group for group in _ANSWER_EACH_OTHER if kinds & group))


def other_kind(asked: frozenset[str], answered: frozenset[str] | None) -> bool:
    """True when a question asks for kinds that the record's variants never ask, nor any kind
    that answers them (a record without variants, or a question without a question word, is
    never judged)."""
    return bool(asked) and bool(answered) and not _with_kin(asked) & answered

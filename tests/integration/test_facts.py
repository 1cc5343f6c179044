"""Every fact of the knowledge brief, asked through /api/chat on the running stack.

Questions and the words their answers must contain live in tests/data/fact_questions.yml.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.language import detect_language

from .conftest import RunningStack

pytestmark = pytest.mark.integration

QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "fact_questions.yml"
QUESTIONS: list[dict[str, Any]] = yaml.safe_load(QUESTIONS_FILE.read_text())["questions"]


def missing_words(answer: str, expect: list[str | list[str]]) -> list[str | list[str]]:
    """The expected entries the answer lacks; a list entry needs any one of its words."""
    lowered = answer.lower()
    return [
        entry
        for entry in expect
        if not any(
            word.lower() in lowered for word in ([entry] if isinstance(entry, str) else entry)
        )
    ]


def test_the_set_covers_every_fact_of_the_brief() -> None:
    facts: set[int] = set()
    for question in QUESTIONS:
        fact = question["fact"]
        facts.update(fact if isinstance(fact, list) else [fact])
    assert facts == set(range(1, 63))
    assert len(QUESTIONS) >= 40
    assert {q["lang"] for q in QUESTIONS} == {"id", "en"}


@pytest.mark.parametrize(
    "question", QUESTIONS, ids=[f"{q['fact']}-{q['lang']}-{q['q'][:30]}" for q in QUESTIONS]
)
def test_fact_is_answered_in_the_language_of_the_question(
    running_stack: RunningStack, question: dict[str, Any]
) -> None:
    reply = running_stack.chat(f"fact-{uuid.uuid4().hex[:12]}", question["q"])
    assert reply.status == 200, reply.body
    assert reply.body["language"] == question["lang"]
    assert reply.body["fallback"] is False, reply.text
    assert not missing_words(reply.text, question["expect"]), reply.text
    assert detect_language(reply.text) == question["lang"], reply.text


def test_missing_words_needs_every_entry_and_one_word_of_a_list() -> None:
    assert missing_words("Held in Bali on 16 November 2021", ["bali", ["x", "16 november"]]) == []
    assert missing_words("Held in Bali", ["Bali", ["2021", "twenty"]]) == [["2021", "twenty"]]

"""Corrections re-answer the last visa case (actions/visa.py: corrected_case, ActionCorrect)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.visa import ActionCorrect, ActionVisaAnswer, corrected_case, corrected_question
from tests.unit.test_actions_answer import FakeKB, faq_hit
from tests.unit.test_actions_support import make_tracker, typed


# The typed words come from Rasa's NLU (training_data/visa_terms.yml), written out here; the same
# corrections read by the trained model: tests/integration/test_visa_reading.py.
@pytest.mark.parametrize(
    ("kept", "text", "words", "expected"),
    [
        (
            "to_indonesia|business|other",
            "eh salah, sy cuma liburan kok",
            {"visa_purpose_tourism": "liburan"},
            ("to_indonesia", "tourism", "other"),
        ),
        (
            "to_indonesia|tourism|asean",
            "sorry, I'm Indian, not from Singapore",
            {
                "visa_citizen_word": "I'm|from",
                "visa_nationality_other": "Indian",
                "visa_nationality_asean": "Singapore",
            },
            ("to_indonesia", "tourism", "other"),
        ),
        (
            "abroad||",
            "bukan, maksud saya kerja 2 tahun",
            {"visa_purpose_other": "kerja"},
            ("abroad", "other", None),
        ),
        # Not Indonesian after all: a nationality turns the case around.
        (
            "abroad|tourism|",
            "my mistake, I'm Thai",
            {"visa_citizen_word": "I'm", "visa_nationality_asean": "Thai"},
            ("to_indonesia", "tourism", "asean"),
        ),
    ],
)
def test_the_corrected_value_replaces_the_kept_one(
    kept: str, text: str, words: dict[str, str], expected: tuple
) -> None:
    assert corrected_case(kept, text, typed(text, **words)) == expected


@pytest.mark.parametrize(
    ("kept", "text", "words"),
    [
        (None, "sorry, I meant for work", {"visa_purpose_other": "work"}),
        ("to_indonesia|tourism|other", "sorry, I meant it", {}),
    ],
)
def test_no_case_or_nothing_new_is_no_visa_correction(
    kept: str | None, text: str, words: dict[str, str]
) -> None:
    assert corrected_case(kept, text, typed(text, **words)) is None


async def test_the_answer_keeps_the_case_and_the_correction_re_answers_it() -> None:
    slots = {
        "language": "en",
        "visa_direction": "to_indonesia",
        "visa_purpose": "business",
        "visa_nationality": "other",
    }
    dispatcher = CollectingDispatcher()
    events = await ActionVisaAnswer().run(dispatcher, make_tracker("x", "inform", slots=slots), {})
    kept = next(e["value"] for e in events if e.get("name") == "visa_case")
    assert kept == "to_indonesia|business|other"
    assert "imigrasi.go.id" in dispatcher.messages[0]["text"]

    dispatcher = CollectingDispatcher()
    text = "no wait, it's a holiday"
    tracker = make_tracker(
        text,
        "correct",
        typed(text, visa_purpose_tourism="holiday"),
        slots={"language": "en", "visa_case": kept},
    )
    events = await ActionCorrect().run(dispatcher, tracker, {})
    answer: Any = dispatcher.messages[0]["text"]
    assert "e-VOA" in answer or "visa on arrival" in answer.lower()
    assert {"event": "slot", "name": "visa_case", "value": "to_indonesia|tourism|other"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]


@pytest.mark.parametrize(
    ("previous", "text", "expected"),
    [
        (
            "paspor sy hilang di dubai",
            "eh bukan hilang, cuma mau perpanjang",
            "paspor sy di dubai eh , cuma mau perpanjang",
        ),
        (
            "what is the fee for a lost passport?",
            "not lost, stolen",
            "what is the fee for a passport? , stolen",
        ),
    ],
)
def test_a_correction_asks_the_question_before_without_the_negated_word(
    previous: str, text: str, expected: str
) -> None:
    assert corrected_question(previous, text) == expected


@pytest.mark.parametrize(
    ("previous", "text"),
    [(None, "bukan hilang, perpanjang"), ("paspor sy hilang", "sorry, I meant renewing it")],
)
def test_no_question_before_or_nothing_negated_is_no_corrected_question(
    previous: str | None, text: str
) -> None:
    assert corrected_question(previous, text) is None


async def test_a_correction_without_a_visa_case_answers_the_corrected_question(
    install: Any,
) -> None:
    kb = install(FakeKB([faq_hit()]))
    tracker = make_tracker("bukan hilang, mau perpanjang", "correct", slots={"language": "en"})
    tracker.events = [
        {"event": "user", "text": "paspor saya hilang"},
        {"event": "user", "text": "bukan hilang, mau perpanjang"},
    ]
    dispatcher = CollectingDispatcher()
    await ActionCorrect().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == "ICDD was held on 16 November 2021."
    assert kb.calls[0][0] == "paspor saya , mau perpanjang"

"""The `language` slot: text first, then the channel hint, then the previous turn, then id;
explicit switches win."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import resolve_language
from actions.slot_mappings import ValidateSlotMappings
from tests.unit.test_actions_support import entity, make_tracker


def _no_evidence(_: str) -> None:
    return None


@pytest.mark.parametrize(
    ("text", "intent", "hint", "previous", "expected"),
    [
        ("halo, kapan ICDD diadakan?", "ask_question", "en", "en", "id"),
        ("hello, when was the ICDD held?", "ask_question", "id", "id", "en"),
        ("ok", "affirm", "en", "id", "en"),
        ("ok", "affirm", None, "en", "en"),
        ("ok", "affirm", None, None, "id"),
        ("ICDD", "ask_question", "fr", None, "id"),
        ("/ask_visa", "ask_visa", None, "en", "en"),
        ("/ask_visa", "ask_visa", "id", "en", "id"),
    ],
)
def test_text_then_hint_then_previous_then_indonesian(
    text: str, intent: str, hint: str | None, previous: str | None, expected: str
) -> None:
    from knowledge.language import detect_language

    result = resolve_language(text, intent, [], hint, previous, detect_language)
    assert result == expected


@pytest.mark.parametrize(
    ("text", "entities", "previous", "expected"),
    [
        ("pakai bahasa Inggris", [], "id", "en"),
        ("speak indonesian please", [], "en", "id"),
        ("bahasa indonesia dong", [], "en", "id"),
        ("can you speak english?", [entity("language", "en")], "id", "en"),
        ("ganti bahasa", [], "id", "en"),
        ("change language", [], "en", "id"),
    ],
)
def test_switch_request_names_the_target_or_toggles(
    text: str, entities: list, previous: str, expected: str
) -> None:
    detect = {"id": lambda _: "id", "en": lambda _: "en"}[previous]
    assert resolve_language(text, "change_language", entities, None, previous, detect) == expected


def test_lang_command_works_whatever_the_intent() -> None:
    assert resolve_language("/lang en", "nlu_fallback", [], "id", "id", _no_evidence) == "en"
    assert resolve_language("/LANG id", None, [], "en", "en", _no_evidence) == "id"


def test_switch_words_outside_a_switch_request_do_not_switch() -> None:
    # "inggris" in a question about England is not a request to speak English.
    result = resolve_language("visa ke inggris gimana?", "ask_visa", [], None, "id", lambda _: "id")
    assert result == "id"


def _language_at(text: str, word: str, value: str) -> list[dict]:
    """The NLU's `language` entity on `word` in `text`, with its offsets."""
    start = text.lower().index(word)
    return [{"entity": "language", "value": value, "start": start, "end": start + len(word)}]


@pytest.mark.parametrize(
    ("text", "word", "value", "expected"),
    [
        # A part of the message asks for the language, another asks the question.
        ("jawab pakai bahasa inggris ya: gimana cara lapor diri di peduli wni?", "inggris", "en",
         "en"),
        ("in English please: siapa yang buka ICDD?", "english", "en", "en"),
        ("tolong jawab dlm bahasa indonesia: what is safe travel?", "indonesia", "id", "id"),
        # A question about a language is no request for it.
        ("is the ICDD conducted in English?", "english", "en", "id"),
        ("acaranya pakai bahasa inggris gak?", "inggris", "en", "id"),
    ],
)  # fmt: skip
def test_a_language_asked_for_beside_a_question_switches(
    text: str, word: str, value: str, expected: str
) -> None:
    entities = _language_at(text, word, value)
    assert resolve_language(text, "ask_question", entities, None, "id", lambda _: "id") == expected


async def test_extract_language_reads_text_and_channel_hint() -> None:
    action = ValidateSlotMappings()
    english = make_tracker("hello there", "greet", metadata={"language": "id"})
    hinted = make_tracker("ok", "affirm", metadata={"channel": "telegram", "language": "en"})
    dispatcher = CollectingDispatcher()
    assert await action.extract_language(dispatcher, english, {}) == {"language": "en"}
    assert await action.extract_language(dispatcher, hinted, {}) == {"language": "en"}
    # Each turn tells the gateway the language (no text: the user sees nothing of it).
    told = [message["custom"] for message in dispatcher.messages]
    assert told == [{"duta": {"language": "en"}}] * 2
    assert not any(message.get("text") for message in dispatcher.messages)


async def test_extract_language_tells_the_gateway_a_switch() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("pakai bahasa indonesia ya", "change_language", slots={"language": "en"})
    result = await ValidateSlotMappings().extract_language(dispatcher, tracker, {})
    assert result == {"language": "id"}
    # Asked for in words: the channels keep it as the user's choice.
    assert dispatcher.messages[-1]["custom"] == {
        "duta": {"language": "id", "language_chosen": True}
    }


def test_validate_language_keeps_only_known_codes() -> None:
    action = ValidateSlotMappings()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker()
    assert action.validate_language("EN", dispatcher, tracker, {}) == {"language": "en"}
    assert action.validate_language("fr", dispatcher, tracker, {}) == {"language": "id"}


def test_a_standing_choice_wins_over_the_text_but_not_over_an_explicit_switch() -> None:
    def detect(_: str) -> str:
        return "en"

    assert resolve_language("When was ICDD?", None, [], "en", "id", detect, choice="id") == "id"
    switched = resolve_language(
        "answer in English please", "change_language", [], "id", "id", detect, choice="id"
    )
    assert switched == "en"
    assert resolve_language("When was ICDD?", None, [], "id", "id", detect) == "en"


async def test_a_switch_asked_for_in_words_holds_in_later_turns() -> None:
    # The API and other channels that keep no choice: the conversation's history keeps it.
    tracker = make_tracker("and on iPhone?", "ask_question", slots={"language": "id"})
    chosen = {"custom": {"duta": {"language": "id", "language_chosen": True}}}
    later = {"custom": {"duta": {"language": "id"}}}
    tracker.events = [
        {"event": "user", "text": "pakai bahasa indonesia ya"},
        {"event": "bot", "text": None, "data": chosen},
        {"event": "user", "text": "is it on android?"},
        {"event": "bot", "text": None, "data": later},
        {"event": "user", "text": "and on iPhone?"},
    ]
    dispatcher = CollectingDispatcher()
    assert await ValidateSlotMappings().extract_language(dispatcher, tracker, {}) == {
        "language": "id"
    }
    tracker.events = tracker.events[2:]  # no switch in this conversation: the text decides
    assert await ValidateSlotMappings().extract_language(dispatcher, tracker, {}) == {
        "language": "en"
    }

"""Conversations through /api/chat against the real Rasa server, action server and index."""

from __future__ import annotations

import uuid

import pytest

from knowledge.language import detect_language

from .conftest import RunningStack

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_health_names_every_component(running_stack: RunningStack) -> None:
    reply = running_stack.get("/health")
    assert reply.status == 200
    assert {"rasa", "action_server", "index"} <= reply.body.keys()


@pytest.mark.parametrize(("message", "language"), [("halo", "id"), ("hello", "en")])
def test_greeting_answers_in_the_language_of_the_message(
    running_stack: RunningStack, message: str, language: str
) -> None:
    reply = running_stack.chat(new_sender(), message)
    assert reply.status == 200, reply.body
    assert reply.body["language"] == language
    assert reply.body["fallback"] is False
    assert reply.text
    assert detect_language(reply.text) == language


def test_greetings_differ_between_languages(running_stack: RunningStack) -> None:
    indonesian = running_stack.chat(new_sender(), "selamat pagi").text
    english = running_stack.chat(new_sender(), "good morning").text
    assert indonesian != english


@pytest.mark.parametrize(
    ("question", "language", "date_words"),
    [
        ("Kapan ICDD diadakan?", "id", ("16 November 2021",)),
        ("When was the International Conference on Digital Diplomacy held?", "en",
         ("16 November 2021", "November 16, 2021")),
    ],
)  # fmt: skip
def test_icdd_question_is_answered_with_its_date_and_source(
    running_stack: RunningStack, question: str, language: str, date_words: tuple[str, ...]
) -> None:
    reply = running_stack.chat(new_sender(), question)
    assert reply.status == 200, reply.body
    assert reply.body["language"] == language
    assert reply.body["fallback"] is False
    assert any(words in reply.text for words in date_words), reply.text
    sources = [s for m in reply.body["messages"] for s in m["sources"]]
    assert sources, reply.body
    assert all(s["title"] for s in sources)


def test_every_message_follows_the_contract(running_stack: RunningStack) -> None:
    reply = running_stack.chat(new_sender(), "help")
    assert reply.status == 200
    assert set(reply.body) == {"language", "fallback", "messages"}
    for message in reply.body["messages"]:
        assert set(message) == {"text", "buttons", "sources"}
        for button in message["buttons"]:
            assert set(button) == {"title", "payload"}
    assert any(m["buttons"] for m in reply.body["messages"]), "help shows a menu"


def test_out_of_scope_question_is_a_fallback(running_stack: RunningStack) -> None:
    reply = running_stack.chat(new_sender(), "set an alarm for 6 am tomorrow")
    assert reply.status == 200
    assert reply.body["fallback"] is True
    assert reply.body["language"] == "en"


def test_bad_input_gets_a_json_error_not_a_500(running_stack: RunningStack) -> None:
    reply = running_stack.post("/api/chat", {"sender": "x", "message": ""})
    assert 400 <= reply.status < 500
    assert "error" in reply.body


def test_a_language_choice_holds_over_the_language_of_the_message(
    running_stack: RunningStack,
) -> None:
    sender = new_sender()
    payload = {"sender": sender, "message": "When was the ICDD held?", "lang": "en",
               "lang_choice": "id"}  # fmt: skip
    reply = running_stack.post("/api/chat", payload)
    assert reply.status == 200, reply.body
    assert reply.body["language"] == "id"
    assert "16 November 2021" in reply.text
    without = running_stack.chat(new_sender(), "When was the ICDD held?", lang="en")
    assert without.body["language"] == "en", "without a choice the message's language wins"


def test_a_language_asked_for_in_words_comes_back_as_the_choice(
    running_stack: RunningStack,
) -> None:
    reply = running_stack.chat(new_sender(), "tolong jawab pakai bahasa Inggris ya")
    assert reply.status == 200, reply.body
    assert reply.body["language"] == "en"
    assert reply.body.get("language_choice") == "en", "the widget keeps it as the choice"

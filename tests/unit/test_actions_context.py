"""Follow-ups lean on the questions before, and a message of several sentences is searched per
sentence (actions/answer.py: earlier_questions, clauses, search_in_context)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import (
    CONTEXT_TURNS,
    ActionHelp,
    clauses,
    earlier_questions,
    earlier_topic,
    search_in_context,
)
from tests.unit.test_actions_support import SearchesOneByOne


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


def bot(fallback: bool | None) -> list[dict[str, Any]]:
    """A reply as the gateway's actions send it: text, then the duta meta (when there is one)."""
    events: list[dict[str, Any]] = [{"event": "bot", "text": "…", "data": {}}]
    if fallback is not None:
        custom = {"duta": {"sources": [], "fallback": fallback}}
        events.append({"event": "bot", "text": None, "data": {"custom": custom}})
    return events


def tracker(*events: dict[str, Any] | list[dict[str, Any]]) -> Tracker:
    flat: list[dict[str, Any]] = []
    for event in events:
        flat.extend(event if isinstance(event, list) else [event])
    latest = next(e for e in reversed(flat) if e["event"] == "user")
    return Tracker(
        sender_id="test-user",
        slots={"language": "en"},
        latest_message={"text": latest["text"], "intent": {"name": "ask_question"}},
        events=flat,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_the_answered_questions_before_are_the_context_latest_first() -> None:
    t = tracker(
        user("what is Safe Travel?"), bot(False), user("on iPhone?"), bot(False), user("who?")
    )
    assert earlier_questions(t) == ["on iPhone?", "what is Safe Travel?"]


def test_a_question_that_got_a_fallback_is_no_context() -> None:
    t = tracker(
        user("when was ICDD held?"), bot(False), user("hotel?"), bot(True), user("and who?")
    )
    assert earlier_questions(t) == ["when was ICDD held?"]


def test_a_reply_without_the_duta_meta_is_no_answer() -> None:
    # Greetings and the menu carry no fallback flag: nothing to lean on.
    t = tracker(user("halo"), bot(None), user("terus?"))
    assert earlier_questions(t) == []


def test_buttons_and_old_questions_are_no_context() -> None:
    assert earlier_questions(tracker(user("/ask_events"), bot(False), user("when?"))) == []
    old = [user("what is ICDD?"), bot(False)]
    later = [x for _ in range(CONTEXT_TURNS) for x in (user("hmm"), *bot(True))]
    assert earlier_questions(tracker(*old, *later, user("when?"))) == []


def test_the_first_message_has_no_context() -> None:
    assert earlier_questions(tracker(user("what is ICDD?"))) == []


def test_a_message_of_several_sentences_is_split() -> None:
    assert clauses("actually never mind. when was the ICDD?") == [
        "actually never mind.",
        "when was the ICDD?",
    ]
    assert clauses("halo min!\nsyarat lapor diri apa aja") == [
        "halo min!",
        "syarat lapor diri apa aja",
    ]
    assert clauses("when was the ICDD held in Bali?") == []
    assert clauses("ok. thanks") == []  # one word is no sentence to search


class ContextKB(SearchesOneByOne):
    """Answerable when the query holds `needs`; confidence grows with the words it shares."""

    def __init__(self, needs: str, alone_confidence: float | None = None) -> None:
        self.needs, self.alone_confidence = needs, alone_confidence
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, lang: str | None = None, strict: bool = False) -> Any:
        self.queries.append(query)
        together = self.needs in query and query != self.needs
        hit = SimpleNamespace(doc_id="together" if together else "alone")
        if together:
            return SimpleNamespace(answerable=True, hits=[hit], signals={"confidence": 1.0})
        if self.alone_confidence is None:
            return SimpleNamespace(answerable=False, hits=[hit], signals={"confidence": 0.8})
        return SimpleNamespace(
            answerable=True, hits=[hit], signals={"confidence": self.alone_confidence}
        )


async def test_a_follow_up_is_asked_together_with_the_question_before(install: Any) -> None:
    kb = install(ContextKB("when was ICDD held?"))
    t = tracker(user("when was ICDD held?"), bot(False), user("who opened it?"))
    result = await search_in_context(t, "who opened it?", "en")
    assert result.hits[0].doc_id == "together"
    assert kb.queries == ["who opened it?", "when was ICDD held? who opened it?"]


class AnswersKB(SearchesOneByOne):
    """Answers exactly the queries it knows; declines the rest."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, lang: str | None = None, strict: bool = False) -> Any:
        self.queries.append(query)
        known = query in self.known
        return SimpleNamespace(
            answerable=known,
            hits=[SimpleNamespace(doc_id=query)],
            signals={"confidence": 1.0 if known else 0.8},
        )


async def test_the_sentence_that_holds_the_question_answers(install: Any) -> None:
    kb = install(AnswersKB({"when was ICDD held?"}))
    message = "sorry, never mind. when was ICDD held?"
    result = await search_in_context(tracker(user(message)), message, "en")
    assert result.hits[0].doc_id == "when was ICDD held?"
    assert kb.queries == [message, "sorry, never mind.", "when was ICDD held?"]


async def test_a_new_question_that_is_surer_alone_stands_alone(install: Any) -> None:
    install(ContextKB("when was ICDD held?", alone_confidence=1.2))
    t = tracker(user("when was ICDD held?"), bot(False), user("how much is the e-VOA?"))
    result = await search_in_context(t, "how much is the e-VOA?", "en")
    assert result.hits[0].doc_id == "alone"


async def test_without_context_only_the_message_is_searched(install: Any) -> None:
    kb = install(ContextKB("x"))
    await search_in_context(tracker(user("who opened it?")), "who opened it?", "en")
    assert kb.queries == ["who opened it?"]


async def test_a_long_message_stands_on_its_own(install: Any) -> None:
    kb = install(AnswersKB(set()))
    message = "what do I need to bring to renew my passport at the embassy in Tokyo"
    t = tracker(user("what is Safe Travel?"), bot(False), user(message))
    await search_in_context(t, message, "en")
    assert kb.queries == [message]


def topic_bot(topic: str | None) -> list[dict[str, Any]]:
    """An answer whose meta says what it was about (a mission card's says nothing)."""
    meta: dict[str, Any] = {"sources": [], "fallback": False}
    if topic is not None:
        meta["topic"] = topic
    return [{"event": "bot", "text": "…", "data": {}},
            {"event": "bot", "text": None, "data": {"custom": {"duta": meta}}}]  # fmt: skip


def test_the_topic_is_what_the_latest_answer_was_about() -> None:
    t = tracker(user("when was ICDD?"), topic_bot("What is ICDD?"), user("hotel?"), bot(True),
                user("where?"))  # fmt: skip
    assert earlier_topic(t) == "What is ICDD?"  # a fallback in between changes no topic


def test_an_answer_without_a_topic_ends_the_one_before() -> None:
    # The mission card after the emergency reply: the Peduli WNI answer before is not the topic.
    t = tracker(user("perlu lapor diri?"), topic_bot("Siapa yang harus lapor diri?"),
                user("ada gempa di sana"), topic_bot(None), user("sy hrs hub siapa"))  # fmt: skip
    assert earlier_topic(t) is None


def test_an_old_topic_is_forgotten() -> None:
    later = [x for _ in range(CONTEXT_TURNS) for x in (user("hmm"), *bot(True))]
    t = tracker(user("what is ICDD?"), topic_bot("What is ICDD?"), *later, user("where?"))
    assert earlier_topic(t) is None


async def test_the_topic_is_the_last_resort_of_a_follow_up(install: Any) -> None:
    kb = install(AnswersKB({"What is ICDD? where?"}))
    t = tracker(user("when was it?"), topic_bot("What is ICDD?"), user("where?"))
    result = await search_in_context(t, "where?", "en")
    assert result.hits[0].doc_id == "What is ICDD? where?"
    assert kb.queries == ["where?", "when was it? where?", "What is ICDD? where?"]


async def test_the_users_own_words_come_before_the_topic(install: Any) -> None:
    install(AnswersKB({"when was it? where?", "What is ICDD? where?"}))
    t = tracker(user("when was it?"), topic_bot("What is ICDD?"), user("where?"))
    result = await search_in_context(t, "where?", "en")
    assert result.hits[0].doc_id == "when was it? where?"


def answered_bot(doc_id: str) -> list[dict[str, Any]]:
    """A knowledge answer: text, then the duta meta with its record."""
    custom = {"duta": {"sources": [], "fallback": False, "doc_id": doc_id}}
    return [
        {"event": "bot", "text": "…", "data": {}},
        {"event": "bot", "text": None, "data": {"custom": custom}},
    ]


def fee_hit(doc_id: str) -> SimpleNamespace:
    return SimpleNamespace(
        doc_id=doc_id, kind="faq", title="e-VOA", text="…", language="id", source={},
        faq_id=doc_id.removeprefix("faq:"), answers={"id": "…", "en": f"answer {doc_id}"},
        extra={},
    )  # fmt: skip


class FollowUpKB(SearchesOneByOne):
    """The e-VOA question alone answers `faq:visa-evoa-rules`; with "biaya" the fee entry."""

    def search(self, query: str, k: int = 5, lang: str | None = None, strict: bool = False) -> Any:
        doc_id = "faq:visa-evoa-fee" if "biaya" in query else "faq:visa-evoa-rules"
        return SimpleNamespace(answerable=True, hits=[fee_hit(doc_id)], signals={"confidence": 1.0})


async def help_reply(*events: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert await ActionHelp().run(dispatcher, tracker(*events), {}) == []
    return dispatcher.messages


async def test_a_follow_up_taken_for_help_is_answered(install: Any) -> None:
    install(FollowUpKB())
    messages = await help_reply(
        user("e-voa itu apa"), answered_bot("faq:visa-evoa-rules"), user("biayanya brp")
    )
    assert messages[0]["text"] == "answer faq:visa-evoa-fee"


async def test_menu_after_an_answer_is_the_menu(install: Any) -> None:
    install(FollowUpKB())
    messages = await help_reply(
        user("e-voa itu apa"), answered_bot("faq:visa-evoa-rules"), user("menu")
    )
    assert [m.get("response") for m in messages] == ["utter_help"]


async def test_help_without_an_answered_question_is_the_menu(install: Any) -> None:
    kb = install(FollowUpKB())
    messages = await help_reply(user("halo"), bot(None), user("biayanya brp"))
    assert [m.get("response") for m in messages] == ["utter_help"]
    assert kb.__dict__.get("queries") is None  # nothing searched

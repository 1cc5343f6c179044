"""action_answer_from_knowledge: answers in the slot language with sources; declines honestly."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import (
    TOPIC_QUERIES,
    ActionAnswerFromKnowledge,
    ActionHandoff,
    search_query,
    shorten,
)
from tests.unit.test_actions_support import SearchesOneByOne, duta, entity, make_tracker, texts

ICDD_SOURCE = {
    "title": "Kemlu Tingkatkan Kerja Sama Internasional",
    "url": None,
    "date": "2021-11-17",
    "publisher": "internationalmedia.id",
}


def faq_hit() -> SimpleNamespace:
    return SimpleNamespace(
        doc_id="faq:event-icdd-overview",
        kind="faq",
        score=0.9,
        title="ICDD",
        text="Kapan ICDD diadakan?",
        language="id",
        source=ICDD_SOURCE,
        faq_id="event-icdd-overview",
        answers={
            "id": "ICDD diadakan 16 November 2021.",
            "en": "ICDD was held on 16 November 2021.",
        },
    )


def document_hit(language: str = "id") -> SimpleNamespace:
    return SimpleNamespace(
        doc_id="003_7aea6fd6eed808b3",
        kind="document",
        score=0.7,
        title="Kemlu Tingkatkan Kerja Sama",
        text="Konferensi diadakan di Bali. " * 40,
        language=language,
        source=ICDD_SOURCE,
    )


class FakeKB(SearchesOneByOne):
    def __init__(
        self,
        hits: list[Any],
        answerable: bool = True,
        error: bool = False,
        strict_answerable: bool | None = None,
        lead: float = 0.0,
        unheld: float | None = 0.0,
    ) -> None:
        self.hits, self.answerable, self.error = hits, answerable, error
        # What `unheld_share` says of every text: the share of its words a flow's reply lacks.
        self.unheld = unheld
        self.held_asked: list[tuple[str, list[str], list[str]]] = []
        # How far the best record leads the next (the knowledge layer's signals).
        self.signals = {"confidence": 1.0, "runner_up": 1.0 - lead}
        # Whether the hits also clear the strict bar (a message the NLU judged out of scope).
        self.strict_answerable = answerable if strict_answerable is None else strict_answerable
        self.calls: list[tuple[str, int, str | None]] = []
        self.strict: list[bool] = []
        self.manifest = {"version": "test"}

    def search(
        self, query: str, k: int = 5, lang: str | None = None, strict: bool = False
    ) -> SimpleNamespace:
        self.calls.append((query, k, lang))
        self.strict.append(strict)
        if self.error:
            raise RuntimeError("index corrupted")
        answerable = self.strict_answerable if strict else self.answerable
        return SimpleNamespace(answerable=answerable, hits=self.hits, signals=self.signals)

    def unheld_share(self, query: str, held: Any, lacking: Any = ()) -> float | None:
        self.held_asked.append((query, list(held), list(lacking)))
        return self.unheld


async def run(tracker: Any) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert events == []
    return dispatcher


async def test_faq_hit_answers_in_slot_language_with_source(install: Any) -> None:
    kb = install(FakeKB([faq_hit()]))
    tracker = make_tracker("when was ICDD held?", "ask_question", slots={"language": "en"})
    dispatcher = await run(tracker)
    assert texts(dispatcher) == ["ICDD was held on 16 November 2021."]
    meta = duta(dispatcher)
    assert meta["fallback"] is False
    assert meta["sources"] == [{"title": ICDD_SOURCE["title"], "url": None, "date": "2021-11-17"}]
    assert kb.calls == [("when was ICDD held?", 5, "en")]
    assert kb.strict == [False]


async def test_not_answerable_declines_with_where_to_ask(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    dispatcher = await run(make_tracker("cuaca besok?", "nlu_fallback", slots={"language": "id"}))
    [text] = texts(dispatcher)
    assert "Maaf" in text and "+62 812 9007 0027" in text and "KBRI/KJRI" in text
    assert duta(dispatcher) == {"sources": [], "fallback": True}


async def test_out_of_scope_message_gets_the_out_of_scope_reply_below_the_strict_bar(
    install: Any,
) -> None:
    kb = install(FakeKB([faq_hit()], strict_answerable=False))
    tracker = make_tracker("what films are on tonight?", "out_of_scope", slots={"language": "en"})
    dispatcher = await run(tracker)
    assert kb.strict == [True]
    [text] = texts(dispatcher)
    assert text.startswith("Sorry, that's outside what I can help with") and "visas" in text
    assert duta(dispatcher) == {"sources": [], "fallback": True}


async def test_out_of_scope_message_is_answered_when_the_knowledge_layer_is_sure(
    install: Any,
) -> None:
    kb = install(FakeKB([faq_hit()]))
    tracker = make_tracker(
        "what were the panels at ICDD?", "out_of_scope", slots={"language": "en"}
    )
    dispatcher = await run(tracker)
    assert kb.strict == [True]
    assert texts(dispatcher) == ["ICDD was held on 16 November 2021."]
    assert duta(dispatcher)["fallback"] is False


@pytest.mark.parametrize("kb", [None, FakeKB([], error=True), FakeKB([])])
async def test_missing_index_or_broken_search_still_answers_honestly(install: Any, kb: Any) -> None:
    install(kb)
    dispatcher = await run(make_tracker("what is RCDD?", "ask_question", slots={"language": "en"}))
    assert "Sorry, I don't have a reliable answer" in texts(dispatcher)[0]
    assert duta(dispatcher)["fallback"] is True


async def test_document_hit_in_other_language_says_so(install: Any) -> None:
    install(FakeKB([document_hit("id")]))
    dispatcher = await run(
        make_tracker("where was it held", "ask_question", slots={"language": "en"})
    )
    [text] = texts(dispatcher)
    assert text.startswith('From the document "Kemlu Tingkatkan Kerja Sama" (the source is in')
    assert len(text) < 800
    assert duta(dispatcher)["sources"][0]["title"] == ICDD_SOURCE["title"]


async def test_translated_document_hit_says_it_is_our_translation(install: Any) -> None:
    hit = document_hit("en")
    hit.title, hit.text = "The ministry steps up cooperation", "It was held in Bali. " * 40
    hit.extra = {"translated_from": "id"}
    install(FakeKB([hit]))
    dispatcher = await run(
        make_tracker("where was it held", "ask_question", slots={"language": "en"})
    )
    [text] = texts(dispatcher)
    assert text.startswith(
        'From the document "The ministry steps up cooperation" (our translation of the Indonesian'
    )
    assert "It was held in Bali." in text
    assert duta(dispatcher)["sources"][0]["title"] == ICDD_SOURCE["title"]  # the original cited


async def test_menu_payload_searches_the_topic_question_and_offers_follow_ups(install: Any) -> None:
    kb = install(FakeKB([faq_hit()]))
    dispatcher = await run(make_tracker("/ask_passport", "ask_passport", slots={"language": "en"}))
    assert kb.calls[0][0] == "renew passport abroad"
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/ask_passport{"topic": "lost"}' in payloads


async def test_follow_up_button_searches_its_sub_topic_without_more_buttons(install: Any) -> None:
    kb = install(FakeKB([faq_hit()]))
    tracker = make_tracker(
        '/ask_passport{"topic": "lost"}', "ask_passport", [entity("topic", "lost")]
    )
    dispatcher = await run(tracker)
    assert kb.calls[0][0] == "paspor hilang di luar negeri"
    assert dispatcher.messages[0]["buttons"] == []


def test_unknown_payload_has_no_query() -> None:
    assert search_query("/ask_question", "ask_question", None, "id") is None
    assert search_query("  apa itu RCDD ", "ask_question", None, "id") == "apa itu RCDD"


def test_a_message_naming_only_its_topic_asks_the_topics_question() -> None:
    what = TOPIC_QUERIES[("ask_safe_travel", None)]
    assert search_query("safe travel itu apa?", "ask_safe_travel", None, "id") == what["id"]
    assert search_query("what's Safe Travel?", "ask_safe_travel", None, "en") == what["en"]
    assert search_query("paspor", "ask_passport", None, "id") == "perpanjang paspor di luar negeri"
    # Anything more is the question: a lost passport is not a renewal, an iPhone not the app.
    assert search_query("paspor hilang", "ask_passport", None, "id") == "paspor hilang"
    assert search_query("safe travel ada di iphone?", "ask_safe_travel", None, "id") == (
        "safe travel ada di iphone?"
    )


def test_shorten_cuts_at_a_sentence_end() -> None:
    passage = "Kalimat pertama cukup panjang. " * 30
    short = shorten(passage, 100)
    assert short.endswith(".") and len(short) <= 100
    assert shorten("pendek", 100) == "pendek"
    assert shorten("x" * 50 + " " + "y" * 80, 100).endswith("…")


def test_an_undated_source_carries_the_day_it_was_read() -> None:
    from actions.answer import source_of

    hit = faq_hit()
    hit.source = {"title": "A page", "url": "https://kemlu.go.id/x", "accessed": "2026-12-06"}
    assert source_of(hit) == {
        "title": "A page",
        "url": "https://kemlu.go.id/x",
        "date": None,
        "accessed": "2026-12-06",
    }
    hit.source = {**hit.source, "date": "2024-04-01"}
    assert "accessed" not in source_of(hit)


class NearbyKB(FakeKB):
    """Declines, with FAQ entries close to the question."""

    def search(
        self, query: str, k: int = 5, lang: str | None = None, strict: bool = False
    ) -> SimpleNamespace:
        result = super().search(query, k, lang, strict)
        result.nearby = self.hits
        return result


async def test_a_close_decline_offers_the_nearest_entries_as_buttons(install: Any) -> None:
    near = faq_hit()
    near.language, near.title = "en", "When was ICDD held?"
    # An entry whose title is in another language is no button to offer.
    install(NearbyKB([near, faq_hit()], answerable=False))
    dispatcher = await run(
        make_tracker("which hotel hosted ICDD?", "ask_question", slots={"language": "en"})
    )
    [message] = [m for m in dispatcher.messages if m.get("text")]
    assert message["text"].startswith("Sorry, I don't have a reliable answer")
    assert "What I do know" in message["text"]
    asked = "When was ICDD held?"
    assert message["buttons"] == [{"title": asked, "payload": asked}]
    assert duta(dispatcher)["fallback"] is True


async def handoff(text: str) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "human_handoff", slots={"language": "en"})
    assert await ActionHandoff().run(dispatcher, tracker, {}) == []
    return dispatcher.messages


async def test_asking_for_a_person_gets_where_to_find_one(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    messages = await handoff("can I talk to a real person?")
    assert [m.get("response") for m in messages] == ["utter_handoff"]


async def test_an_entry_staff_wrote_for_the_question_beats_the_handoff(install: Any) -> None:
    """A complaints procedure is asked like a handoff ("I want to file a complaint")."""
    # No lead needed: the handoff text answers from no entry of its own.
    install(FakeKB([faq_hit()], lead=0.0))
    messages = await handoff("I want to file a complaint about a consulate")
    assert messages[0]["text"] == "ICDD was held on 16 November 2021."
    assert not any(m.get("response") for m in messages)

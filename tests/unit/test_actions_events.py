"""action_events: events by name, by year, all, and an honest "what's next".

The words of a question about events (what is next, a year, "acara") come as entities from
Rasa's NLU (training_data/event_terms.yml); here they are written out by hand (`typed`). What the
trained model extracts is tested in tests/integration/test_nlu_words.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import content
from actions.events import ActionEvents, answer_next, events_named, year_named
from actions.texts import say
from tests.unit.test_actions_support import duta, entity, make_tracker, texts, typed


async def ask(text: str, language: str = "en", entities=None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_events", entities, slots={"language": language})
    assert await ActionEvents().run(dispatcher, tracker, {}) == []
    return dispatcher


async def test_event_by_name_has_its_facts_and_source() -> None:
    dispatcher = await ask("tell me about the RCDD")
    [text] = texts(dispatcher)
    assert "10 September 2019" in text and "Jakarta Message" in text
    assert duta(dispatcher)["sources"][0]["url"].startswith("https://jakartaglobe.id/")


async def test_event_in_indonesian_uses_indonesian_roles_and_dates() -> None:
    text = "ceritain acara ICDD dong"
    dispatcher = await ask(text, language="id", entities=typed(text, event_word="acara"))
    [text] = texts(dispatcher)
    assert "Selasa, 16 November 2021" in text
    assert "Menteri Luar Negeri RI" in text and "Bali Message" in text


async def test_acronym_alone_names_every_event_it_belongs_to() -> None:
    text = "workshop STEKOM itu apa"
    dispatcher = await ask(text, language="id", entities=typed(text, event_word="workshop"))
    [text] = texts(dispatcher)
    # Day 8 and day 10, separated by a blank line (the REST channel sends two messages).
    assert "Hari ke-8" in text and "Hari ke-10" in text and "\n\n" in text
    assert len(duta(dispatcher)["sources"]) == 2


async def test_year_with_one_event_describes_it() -> None:
    text = "what happened in 2021?"
    dispatcher = await ask(text, entities=typed(text, event_year="2021"))
    assert "16 November 2021" in texts(dispatcher)[0]


async def test_year_without_events_says_so_and_lists_what_is_known() -> None:
    text = "acara tahun 2015 apa"
    words = typed(text, event_word="acara", event_year="2015")
    dispatcher = await ask(text, language="id", entities=words)
    [message] = [m for m in dispatcher.messages if m.get("text")]
    assert message["text"].startswith("Saya tidak punya catatan acara diplomasi digital pada 2015")
    assert len(message["buttons"]) == len(content.events())


async def test_button_payload_names_the_event_by_id() -> None:
    dispatcher = await ask(
        '/ask_events{"event": "rcdd-2019"}', entities=[entity("event", "rcdd-2019")]
    )
    assert "Regional Conference on Digital Diplomacy" in texts(dispatcher)[0]


async def test_all_events_are_listed_with_buttons() -> None:
    text = "what events are there?"
    dispatcher = await ask(text, entities=typed(text, event_word="events"))
    [message] = [m for m in dispatcher.messages if m.get("text")]
    assert all(e["name"]["en"] in message["text"] for e in content.events())
    assert {b["payload"] for b in message["buttons"]} == {
        f'/ask_events{{"event": "{e["id"]}"}}' for e in content.events()
    }


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("acara berikutnya kapan?", "id", {"event_next_word": "berikutnya", "event_word": "acara"}),
        ("bakal ada ICDD lagi gak?", "id", {"event_next_word": "lagi"}),
        ("what's the next event?", "en", {"event_next_word": "next", "event_word": "event"}),
        ("any upcoming conferences?", "en", {"event_next_word": "upcoming"}),
    ],
)
async def test_what_is_next_is_recognised_by_its_wording(
    text: str, language: str, words: dict[str, str]
) -> None:
    dispatcher = await ask(text, language=language, entities=typed(text, **words))
    [text_out] = texts(dispatcher)
    honest = {"id": "belum punya informasi", "en": "no information about upcoming"}[language]
    assert honest in text_out and "2021" in text_out


@pytest.mark.parametrize("language", ["id", "en"])
def test_nothing_upcoming_is_said_honestly(language: str) -> None:
    dispatcher = CollectingDispatcher()
    answer_next(dispatcher, content.events(), language, dt.date(2030, 1, 1))
    [text] = texts(dispatcher)
    assert ("belum punya informasi" in text) == (language == "id")
    assert "2021" in text and "kemlu.go.id" in text
    # It says it has no answer (issue 17): a fallback, even though it names the latest event.
    assert duta(dispatcher)["fallback"] is True


def test_an_announced_event_is_next() -> None:
    future = {
        "id": "icdd-2031",
        "name": {"id": "ICDD 2031", "en": "ICDD 2031"},
        "date": dt.date(2031, 5, 2),
        "source": {"title": "Announcement", "url": None, "date": "2030-12-01"},
    }
    dispatcher = CollectingDispatcher()
    answer_next(dispatcher, (*content.events(), future), "en", dt.date(2030, 1, 1))
    [text] = texts(dispatcher)
    assert "ICDD 2031: 2 May 2031" in text


async def test_a_year_or_next_word_counts_only_from_the_nlu() -> None:
    """A hand-typed payload naming these entities is not what the user wrote."""
    text = "what events are there?"
    typed_payload = [entity("event_next_word", "next"), entity("event_year", "2015")]
    dispatcher = await ask(text, entities=[*typed(text, event_word="events"), *typed_payload])
    [message] = [m for m in dispatcher.messages if m.get("text")]
    assert len(message["buttons"]) == len(content.events()) and "2015" not in message["text"]


def test_the_first_year_named_is_read() -> None:
    text = "events in 2019 or 2021"
    assert year_named(typed(text, event_year="2021|2019")) == "2019"
    assert year_named(typed(text, event_word="events")) is None


def test_names_match_whole_words_only() -> None:
    assert events_named("apa itu icdd?", content.events())[0]["id"] == "icdd-2021"
    assert events_named("ricddle", content.events()) == []


@pytest.mark.parametrize(
    ("unheld", "answerable", "told"),
    [
        (0.8, False, True),
        (0.1, False, False),
        # Words the facts lack, but the knowledge layer answers it (the events are its records
        # too): "how many countries sent representatives?" and the facts say "19 countries".
        (0.8, True, False),
    ],
)
async def test_a_question_an_events_facts_do_not_answer_is_told_so(
    install: Any, unheld: float, answerable: bool, told: bool
) -> None:
    """ "Which hotel hosted the RCDD?": the facts follow an honest "I don't have that detail"."""
    from tests.unit.test_actions_answer import FakeKB, faq_hit

    kb = install(FakeKB([faq_hit()], answerable=answerable, unheld=unheld))
    dispatcher = await ask("which hotel hosted the RCDD?")
    said = texts(dispatcher)
    assert (said[0] == say("event_lacks", "en")) is told
    assert "10 September 2019" in said[-1]
    fallbacks = [m["custom"]["duta"]["fallback"] for m in dispatcher.messages if m.get("custom")]
    assert (True in fallbacks) is told
    [(_query, held, _lacking)] = kb.held_asked
    assert any("Jakarta Message" in text for text in held), "the event's facts are held"

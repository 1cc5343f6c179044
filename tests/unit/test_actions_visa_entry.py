"""action_visa_entry: a precise visa question is answered from the visa FAQs; anything else
leaves `visa_precise` false so the rules open the visa form.

The words that make a question precise, or about events, come as entities from Rasa's NLU
(training_data/visa_questions.yml, event_terms.yml); here they are written out by hand (`typed`).
What the trained model extracts is tested in tests/integration/test_nlu_words.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ENTRY_LEAD
from actions.events import ActionEvents
from actions.texts import say
from actions.visa import ActionVisaEntry, is_precise
from tests.unit.test_actions_answer import FakeKB, document_hit, faq_hit
from tests.unit.test_actions_support import duta, entity, make_tracker, texts, typed

VOA_SOURCE = {"title": "Imigrasi FAQ", "url": "https://molina.imigrasi.go.id/front/faq"}


def voa_hit() -> SimpleNamespace:
    return SimpleNamespace(
        doc_id="faq:visa-evoa-fee",
        kind="faq",
        score=0.9,
        title="e-VOA fee",
        text="How much is the e-VOA?",
        language="en",
        source={**VOA_SOURCE, "date": "2024-04-01"},
        faq_id="visa-evoa-fee",
        answers={
            "id": "Per April 2024 biayanya Rp 500.000.",
            "en": "As of April 2024: Rp 500,000.",
        },
    )


async def entry(
    text: str, language: str = "en", precise: str | None = None, **case: str
) -> tuple[CollectingDispatcher, list[Any]]:
    """action_visa_entry on `text`, whose words named in `precise` ("a|b") and in `case` (entity
    name -> "a|b": visa_nationality_other="German") the NLU found."""
    dispatcher = CollectingDispatcher()
    named = {**({"visa_precise_word": precise} if precise else {}), **case}
    words = typed(text, **named) if named else []
    tracker = make_tracker(text, "ask_visa", words, slots={"language": language})
    return dispatcher, await ActionVisaEntry().run(dispatcher, tracker, {})


def test_a_precise_question_is_told_by_the_words_the_nlu_found() -> None:
    text = "How much does the visa on arrival cost?"
    assert is_precise(typed(text, visa_precise_word="how much|on arrival|cost"))
    assert not is_precise(typed("I need help with a visa"))
    # Another entity of the same extractor, or a hand-typed payload naming this one, is not it.
    assert not is_precise(typed("not ASEAN", visa_nationality_other="not ASEAN"))
    assert not is_precise([entity("visa_precise_word", "fee")])


async def test_precise_question_is_answered_from_the_visa_faq(install: Any) -> None:
    kb = install(FakeKB([voa_hit()]))
    dispatcher, events = await entry("how much is the e-VOA?", precise="how much|e-VOA")
    assert events == [SlotSet("visa_precise", True)]
    assert texts(dispatcher) == ["As of April 2024: Rp 500,000."]
    assert duta(dispatcher)["sources"][0]["date"] == "2024-04-01"
    assert kb.calls == [("how much is the e-VOA?", 5, "en")]


async def test_a_precise_question_no_entry_answers_is_declined(install: Any) -> None:
    """The fee of the second home visa: the form would end in another visa's fee."""
    install(FakeKB([voa_hit()], answerable=False))
    text = "berapa biaya second home visa?"
    dispatcher, events = await entry(text, "id", precise="berapa|biaya")
    assert events == [SlotSet("visa_precise", True)]
    assert duta(dispatcher)["fallback"] is True


async def test_a_precise_question_that_gives_the_case_goes_to_the_form(install: Any) -> None:
    """No entry answers "I'm German, how much is my visa?" alone, but the form, which already
    has the nationality, does."""
    install(FakeKB([voa_hit()], answerable=False))
    text = "I'm German, how much is my visa?"
    dispatcher, events = await entry(text, precise="how much", visa_nationality_other="German")
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []


async def test_a_precise_question_about_another_purpose_is_declined(install: Any) -> None:
    """The form has no facts for a purpose other than a visit: it would only say so."""
    install(FakeKB([voa_hit()], answerable=False))
    text = "golden visa indonesia itu minimal investasinya berapa ya"
    dispatcher, events = await entry(text, "id", "berapa", visa_purpose_other="golden visa")
    assert events == [SlotSet("visa_precise", True)]
    assert duta(dispatcher)["fallback"] is True


async def test_a_failed_search_leaves_it_to_the_form(install: Any) -> None:
    install(FakeKB([], error=True))
    dispatcher, events = await entry("berapa biaya visa?", "id", precise="berapa|biaya")
    assert events == [SlotSet("visa_precise", False)]
    assert dispatcher.messages == []


def form_entry_hit() -> SimpleNamespace:
    return SimpleNamespace(**{**vars(voa_hit()), "faq_id": "visa-foreign-visitor-options"})


async def test_a_general_question_no_entry_leads_goes_to_the_form(install: Any) -> None:
    # "visa" alone: the best entry is one the form quotes, and only ties the others.
    install(FakeKB([form_entry_hit()], lead=ENTRY_LEAD / 2))
    dispatcher, events = await entry("mau tanya soal visa", "id")
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []


async def test_an_entry_the_form_quotes_answers_when_it_leads(install: Any) -> None:
    install(FakeKB([form_entry_hit()], lead=ENTRY_LEAD))
    dispatcher, events = await entry("what visa options are there for tourists?")
    assert events == [SlotSet("visa_precise", True)] and texts(dispatcher)


async def test_a_button_goes_to_the_form_without_searching(install: Any) -> None:
    kb = install(FakeKB([voa_hit()], lead=1.0))
    dispatcher, events = await entry("/ask_visa", "id")
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []
    assert kb.calls == []


@pytest.mark.parametrize("hit", [voa_hit(), faq_hit()])
async def test_an_entry_the_form_does_not_quote_beats_the_form(install: Any, hit: Any) -> None:
    """Any other answerable entry (one staff added, a visa fee) is the answer, leading or not:
    the form would hide it (issue 22, point 4)."""
    install(FakeKB([hit], lead=0.0))
    dispatcher, events = await entry("Do Indonesians need a visa for Japan?")
    assert events == [SlotSet("visa_precise", True)]
    assert texts(dispatcher) == [hit.answers["en"]]


async def test_an_entry_must_lead_the_form_on_the_case_the_user_gave(install: Any) -> None:
    """The form answers the case the user gave ("sy WNI mau liburan ke jepang"); a trip-report
    entry close behind the visa entries is no answer to it."""
    text = "sy WNI mau liburan ke jepang, visanya gmn"
    words = typed(text, visa_direction_abroad="WNI", visa_purpose_tourism="liburan")
    tracker = make_tracker(text, "ask_visa", words, slots={"language": "id"})
    install(FakeKB([faq_hit()], lead=ENTRY_LEAD / 2))
    dispatcher = CollectingDispatcher()
    assert await ActionVisaEntry().run(dispatcher, tracker, {}) == [SlotSet("visa_precise", False)]
    install(FakeKB([faq_hit()], lead=ENTRY_LEAD))
    dispatcher = CollectingDispatcher()
    assert await ActionVisaEntry().run(dispatcher, tracker, {}) == [SlotSet("visa_precise", True)]
    # A visa entry (one staff added for a country, say) needs no lead: nothing hides it.
    visa_rule = SimpleNamespace(**{**vars(voa_hit()), "extra": {"tags": ["visa"]}})
    install(FakeKB([visa_rule], lead=ENTRY_LEAD / 2))
    dispatcher = CollectingDispatcher()
    assert await ActionVisaEntry().run(dispatcher, tracker, {}) == [SlotSet("visa_precise", True)]


async def test_a_bare_visa_goes_to_the_form_unless_an_entry_leads(install: Any) -> None:
    install(FakeKB([voa_hit()], lead=ENTRY_LEAD / 2))
    dispatcher, events = await entry("visa dong", "id")
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []


async def test_a_leading_document_chunk_does_not_beat_the_form(install: Any) -> None:
    install(FakeKB([document_hit("en")], lead=1.0))
    dispatcher, events = await entry("I'm German and want a holiday in Bali, do I need a visa?")
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []


async def events_reply(text: str, event_word: str | None = None) -> CollectingDispatcher:
    """action_events on `text`, whose word `event_word` ("acara") the NLU found."""
    dispatcher = CollectingDispatcher()
    words = typed(text, event_word=event_word) if event_word else []
    tracker = make_tracker(text, "ask_events", words, slots={"language": "id"})
    assert await ActionEvents().run(dispatcher, tracker, {}) == []
    return dispatcher


async def test_events_guess_without_event_words_is_answered_from_knowledge(install: Any) -> None:
    install(FakeKB([faq_hit()]))
    dispatcher = await events_reply("kegiatan diplomasi apa saja yang bisa dilakukan virtual?")
    assert texts(dispatcher) == ["ICDD diadakan 16 November 2021."]


async def test_a_question_about_events_lists_them_when_no_entry_leads(install: Any) -> None:
    install(FakeKB([faq_hit()], lead=ENTRY_LEAD / 2))
    dispatcher = await events_reply("ada acara apa aja?", "acara")
    assert "RCDD" in texts(dispatcher)[0]


async def test_an_entry_on_an_event_the_list_lacks_beats_it_without_a_lead(install: Any) -> None:
    """An event staff added as an entry only: the list cannot answer it, the entry does."""
    hit = SimpleNamespace(**{**vars(faq_hit()), "faq_id": "museum-week", "title": "Pekan Museum",
                             "answers": {"id": "Pekan Museum diadakan tiap Mei.",
                                         "en": "Museum Week is held every May."}})  # fmt: skip
    install(FakeKB([hit], lead=0.0))
    dispatcher = await events_reply("acara pekan museum diadain bulan apa", "acara")
    assert texts(dispatcher) == ["Pekan Museum diadakan tiap Mei."]


async def test_an_entry_that_answers_an_events_question_beats_the_list(install: Any) -> None:
    install(FakeKB([faq_hit()], lead=ENTRY_LEAD))
    dispatcher = await events_reply("museum diplomasi buka jam berapa pas ada acara?", "acara")
    assert texts(dispatcher) == ["ICDD diadakan 16 November 2021."]


async def test_a_named_event_gets_its_own_card_without_searching(install: Any) -> None:
    kb = install(FakeKB([faq_hit()], lead=1.0))
    dispatcher = await events_reply("ceritain RCDD dong")
    assert "RCDD" in texts(dispatcher)[0] and kb.calls == []


async def test_the_entry_answered_last_does_not_take_the_flow(install: Any) -> None:
    """ "Apa itu Diplomasi 4.0?" then "I need a visa": searched with the question before, the
    message finds that entry again; the visa form is what it asks for."""
    hit = faq_hit()
    install(FakeKB([hit], lead=1.0))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("I need a visa", "ask_visa", slots={"language": "en"})
    tracker.events = [
        {"event": "user", "text": "what is ICDD?"},
        {"event": "bot", "data": {"custom": {"duta": {"fallback": False, "doc_id": hit.doc_id}}}},
        {"event": "user", "text": "I need a visa"},
    ]
    assert await ActionVisaEntry().run(dispatcher, tracker, {}) == [SlotSet("visa_precise", False)]


class KnowsSafeTravel(FakeKB):
    """Answers (with a non-form entry) only a query that mentions Safe Travel."""

    def search(self, query: str, k: int = 5, lang: str | None = None, strict: bool = False) -> Any:
        result = super().search(query, k, lang, strict)
        result.answerable = "safe travel" in query.casefold()
        return result


async def test_a_new_topic_after_follow_ups_opens_the_form(install: Any) -> None:
    """ "visa" after two questions about Safe Travel: searched with them it would find Safe
    Travel again; the flow's decision searches the message alone."""
    install(KnowsSafeTravel([faq_hit()]))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("visa", "ask_visa", slots={"language": "en"})
    answered = {"event": "bot", "data": {"custom": {"duta": {"fallback": False}}}}
    tracker.events = [
        {"event": "user", "text": "what is Safe Travel?"},
        answered,
        {"event": "user", "text": "is it on Android?"},
        answered,
        {"event": "user", "text": "visa"},
    ]
    assert await ActionVisaEntry().run(dispatcher, tracker, {}) == [SlotSet("visa_precise", False)]


def beyond_the_form() -> FakeKB:
    """No entry answers, and most of the message's words are in none of the form's answers."""
    return FakeKB([form_entry_hit()], answerable=False, unheld=0.9)


async def test_a_visa_question_the_form_cannot_answer_is_declined(install: Any) -> None:
    """No case given, and words the form's answers lack: it would end in another visa's answer."""
    kb = install(beyond_the_form())
    dispatcher, events = await entry("do yacht crews need a special permit to sail here?")
    [(_query, held, _lacking)] = kb.held_asked
    assert any("evisa.imigrasi.go.id" in text for text in held), "the form's answers are held"
    assert events == [SlotSet("visa_precise", True)]
    assert duta(dispatcher)["fallback"] is True
    [message] = [m for m in dispatcher.messages if m.get("text")]
    assert {"title": say("visa_helper", "en"), "payload": "/ask_visa"} in message["buttons"]


async def test_a_direction_alone_does_not_save_a_question_the_form_cannot_answer(
    install: Any,
) -> None:
    """ "foreigners" says who travels, not what the form would answer: still declined."""
    install(beyond_the_form())
    text = "is there a retirement visa for foreigners over 55?"
    dispatcher, events = await entry(text, visa_direction_to_indonesia="foreigners")
    assert events == [SlotSet("visa_precise", True)]
    assert duta(dispatcher)["fallback"] is True


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("visa dong", {}),  # a bare request is the form's to narrow down
        ("I'm German, which visa do I need?", {"visa_nationality_other": "German"}),
    ],
)
async def test_a_bare_request_or_a_case_goes_to_the_form_whatever_it_asks(
    install: Any, text: str, words: dict[str, str]
) -> None:
    install(beyond_the_form())
    dispatcher, events = await entry(text, **words)
    assert events == [SlotSet("visa_precise", False)] and dispatcher.messages == []

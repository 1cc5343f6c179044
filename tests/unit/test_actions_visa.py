"""The visa form: reading typed answers, digressions, re-asking, and the dated answer.

The typed answers come as entities from Rasa's NLU (training_data/visa_terms.yml); here they are
written out by hand (`typed`). What the trained model extracts from the same sentences is tested
in tests/integration/test_visa_reading.py."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.visa import (
    VISA_SLOTS,
    ActionAskVisaPurpose,
    ActionResetVisa,
    ActionVisaAnswer,
    ValidateVisaForm,
    answer_plan,
    read_answers,
)
from tests.unit.test_actions_support import duta, entity, make_tracker, texts, typed


def answers(entities: list[dict]) -> tuple[str | None, ...]:
    found = read_answers(entities)
    return tuple(found[slot] for slot in VISA_SLOTS)


def test_a_foreign_nationality_with_a_citizen_word_is_a_visitor() -> None:
    text = "saya orang jerman"
    both = typed(text, visa_citizen_word="orang", visa_nationality_other="jerman")
    assert answers(both) == ("to_indonesia", None, "other")
    assert answers(typed(text, visa_nationality_other="jerman")) == (None, None, "other")
    # An Indonesian named as such stays one going abroad.
    text = "saya orang indonesia, paspor jerman"
    words = typed(
        text,
        visa_citizen_word="orang|paspor",
        visa_direction_abroad="orang indonesia",
        visa_nationality_other="jerman",
    )
    assert answers(words)[0] == "abroad"


def test_a_value_inside_a_longer_one_for_the_same_slot_is_part_of_it() -> None:
    text = "bukan negara asean"
    words = typed(text, visa_nationality_other="bukan negara asean", visa_nationality_asean="asean")
    assert answers(words) == (None, None, "other")
    # Across slots both count: "turis asing" is a visitor, and a tourist.
    text = "saya turis asing"
    words = typed(text, visa_direction_to_indonesia="turis asing", visa_purpose_tourism="turis")
    assert answers(words) == ("to_indonesia", "tourism", None)


def test_several_values_for_one_slot_are_no_answer() -> None:
    text = "liburan sambil meeting"
    words = typed(text, visa_purpose_tourism="liburan", visa_purpose_business="meeting")
    assert answers(words) == (None, None, None)
    text = "saya WNI, mau ke bali"
    words = typed(text, visa_direction_abroad="WNI", visa_direction_to_indonesia="ke bali")
    assert answers(words) == (None, None, None)


def test_only_the_words_found_by_the_lookup_tables_count() -> None:
    # A hand-typed payload with the entity's name is no typed answer.
    payload = {**typed("swiss", visa_nationality_other="swiss")[0]}
    del payload["extractor"]
    assert answers([payload]) == (None, None, None)


async def extract_all(tracker) -> tuple[dict, CollectingDispatcher]:
    form, dispatcher, found = ValidateVisaForm(), CollectingDispatcher(), {}
    for slot in VISA_SLOTS:
        found.update(await getattr(form, f"extract_{slot}")(dispatcher, tracker, {}))
    return found, dispatcher


async def test_opening_question_fills_what_it_can() -> None:
    text = "saya orang jerman mau liburan ke bali, perlu visa?"
    words = typed(
        text,
        visa_citizen_word="orang",
        visa_nationality_other="jerman",
        visa_purpose_tourism="liburan",
        visa_direction_to_indonesia="ke bali",
    )
    tracker = make_tracker(text, "ask_visa", words)
    found, dispatcher = await extract_all(tracker)
    assert found == {
        "visa_direction": "to_indonesia",
        "visa_purpose": "tourism",
        "visa_nationality": "other",
    }
    assert dispatcher.messages == []


async def test_digression_fills_nothing_so_the_form_rejects() -> None:
    # A question about Malaysia's embassy must not be read as the nationality answer.
    text = "nomor KBRI malaysia berapa?"
    tracker = make_tracker(
        text,
        "ask_question",
        typed(text, visa_nationality_asean="malaysia"),
        slots={"requested_slot": "visa_nationality", "visa_direction": "to_indonesia"},
    )
    found, dispatcher = await extract_all(tracker)
    assert found == {}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("text", "words", "intent", "slot", "value"),
    [
        (
            "coming to Indonesia",
            {"visa_direction_to_indonesia": "to Indonesia"},
            "ask_events",
            "visa_direction",
            "to_indonesia",
        ),
        ("Germany", {"visa_nationality_other": "Germany"}, "thanks", "visa_nationality", "other"),
    ],
)
async def test_a_short_reply_answers_the_question_whatever_its_intent(
    text: str, words: dict[str, str], intent: str, slot: str, value: str
) -> None:
    tracker = make_tracker(
        text,
        intent,
        typed(text, **words),
        slots={"requested_slot": slot, "visa_direction": "to_indonesia"},
    )
    found, _ = await extract_all(tracker)
    assert found[slot] == value


async def test_unreadable_answer_is_reasked() -> None:
    tracker = make_tracker(
        "hmm entahlah", "inform", slots={"requested_slot": "visa_purpose", "language": "en"}
    )
    found, dispatcher = await extract_all(tracker)
    assert found == {"visa_purpose": None}
    assert texts(dispatcher) == [
        "Sorry, I couldn't read that answer. Please pick one of the buttons."
    ]


async def test_button_entity_wins_and_earlier_answers_stay() -> None:
    tracker = make_tracker(
        '/inform{"visa_nationality": "asean"}',
        "inform",
        [entity("visa_nationality", "asean")],
        slots={"requested_slot": "visa_nationality", "visa_direction": "to_indonesia"},
    )
    found, _ = await extract_all(tracker)
    assert found == {"visa_nationality": "asean"}


async def test_indonesians_going_abroad_are_asked_nothing_more() -> None:
    form = ValidateVisaForm()
    abroad = make_tracker(slots={"visa_direction": "abroad"})
    visitor = make_tracker(slots={"visa_direction": "to_indonesia"})
    dispatcher = CollectingDispatcher()
    assert await form.required_slots(list(VISA_SLOTS), dispatcher, abroad, {}) == ["visa_direction"]
    assert await form.required_slots(list(VISA_SLOTS), dispatcher, visitor, {}) == list(VISA_SLOTS)


def test_hand_typed_payload_values_are_rejected() -> None:
    form, dispatcher, tracker = ValidateVisaForm(), CollectingDispatcher(), make_tracker()
    assert form.validate_visa_purpose("smuggling", dispatcher, tracker, {}) == {
        "visa_purpose": None
    }
    assert form.validate_visa_purpose("business", dispatcher, tracker, {}) == {
        "visa_purpose": "business"
    }


@pytest.mark.parametrize(
    ("slots", "faq_id"),
    [
        (("abroad", None, None), "visa-indonesians-going-abroad"),
        (("to_indonesia", "tourism", "asean"), "visa-asean-visa-free"),
        (("to_indonesia", "tourism", "other"), "visa-foreign-visitor-options"),
        (("to_indonesia", "business", "asean"), "visa-official-evisa-site"),
        (("to_indonesia", "other", "other"), "visa-official-evisa-site"),
    ],
)
def test_answer_plan(slots: tuple, faq_id: str) -> None:
    assert answer_plan(*slots)[1] == [faq_id]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("purpose", ["tourism", "business"])
@pytest.mark.parametrize("nationality", ["asean", "other"])
async def test_visitor_answer_is_dated_with_official_link_and_clears_the_form(
    language: str, purpose: str, nationality: str
) -> None:
    slots = {
        "language": language,
        "visa_direction": "to_indonesia",
        "visa_purpose": purpose,
        "visa_nationality": nationality,
    }
    dispatcher = CollectingDispatcher()
    events = await ActionVisaAnswer().run(dispatcher, make_tracker(slots=slots), {})
    [text] = texts(dispatcher)
    assert "evisa.imigrasi.go.id" in text
    assert "2024" in text
    assert ("konfirmasikan" in text) == (language == "id")
    meta = duta(dispatcher)
    assert meta["fallback"] is False and meta["sources"][0]["title"]
    # The form's slots are cleared; the case is kept for a correction (visa_case).
    assert events[1:] == [SlotSet(slot, None) for slot in VISA_SLOTS]
    assert events[0]["name"] == "visa_case" and events[0]["value"].count("|") == 2


async def test_indonesian_going_abroad_is_sent_to_the_destination_embassy() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"language": "en", "visa_direction": "abroad"})
    await ActionVisaAnswer().run(dispatcher, tracker, {})
    [text] = texts(dispatcher)
    assert "destination country" in text and "Safe Travel" in text


async def test_question_offers_one_button_per_value_and_the_way_out() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskVisaPurpose().run(dispatcher, make_tracker(slots={"language": "en"}), {})
    [message] = dispatcher.messages
    assert message["text"] == "What is the purpose of the visit?"
    assert [b["payload"] for b in message["buttons"]] == [
        '/inform{"visa_purpose": "tourism"}',
        '/inform{"visa_purpose": "business"}',
        '/inform{"visa_purpose": "other"}',
        "/cancel",
    ]
    assert message["buttons"][-1]["title"] == "Cancel"


async def test_reset_leaves_the_form_and_forgets_answers() -> None:
    events = await ActionResetVisa().run(CollectingDispatcher(), make_tracker(), {})
    assert events[0] == ActiveLoop(None)
    assert {e["name"] for e in events[1:]} == {"requested_slot", *VISA_SLOTS}
    assert all(e["value"] is None for e in events[1:])

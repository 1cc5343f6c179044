"""action_mission_card and the card after knowledge answers: the real directory and gazetteer,
the mission serving the place the user named, every contact with its source's date."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import held, missions
from actions.answer import ActionAnswerFromKnowledge
from actions.missions import ActionEmergency, ActionMissionCard, asked_where, directory
from actions.texts import say
from knowledge.paths import CONTENT_DIR
from tests.unit.test_actions_answer import FakeKB, faq_hit
from tests.unit.test_actions_support import duta, make_tracker, texts, typed


@pytest.fixture(autouse=True)
def no_entry_answers(install: Any) -> None:
    """The card action first asks the knowledge layer for an entry; here none answers."""
    install(FakeKB([], answerable=False))


async def card_for(text: str, language: str) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "emergency", slots={"language": language})
    assert await ActionMissionCard().run(dispatcher, tracker, {}) == []
    return dispatcher


async def test_an_emergency_naming_a_city_gets_its_missions_card_with_dates() -> None:
    dispatcher = await card_for("tolong paspor saya dicuri di Osaka", "id")
    [card] = texts(dispatcher)
    osaka = directory().by_id("kjri-osaka")
    assert card.startswith("Perwakilan RI terdekat untuk Osaka: KJRI Osaka (Osaka).")
    assert osaka.contacts["phone"].value in card
    assert osaka.contacts["website"].value in card
    assert "Data kontak per 2025-10-17" in card
    [meta] = [m["custom"]["duta"] for m in dispatcher.messages if m.get("custom")]
    assert meta["mission"]["id"] == "kjri-osaka" and meta["fallback"] is False
    assert meta["sources"] and all(s["date"] for s in meta["sources"])


async def test_a_country_without_a_mission_is_said_plainly() -> None:
    dispatcher = await card_for("I was robbed in Iceland, help", "en")
    [card] = texts(dispatcher)
    assert card.startswith("There is no Indonesian mission in Iceland; it is served by")
    assert "Oslo" in card


async def test_a_mission_with_no_phone_on_record_points_to_its_site_and_the_hotline() -> None:
    dispatcher = await card_for("I lost my passport in Taiwan", "en")
    [card] = texts(dispatcher)
    assert card.startswith(
        "The Indonesian mission for Taiwan: Indonesian Economic and Trade Office to Taipei"
    )
    assert "+62 812 9007 0027 (number as of February 2020)" in card


async def test_no_place_asks_once_where_the_user_is() -> None:
    dispatcher = await card_for("help, I was robbed", "en")
    assert texts(dispatcher) == [
        "Which city or country are you in? Tell me, and I'll give you the nearest "
        "Indonesian mission's contacts."
    ]


async def test_an_entry_for_the_question_beats_the_card(install: Any) -> None:
    """Nothing hides an entry: a complaints procedure that names the KBRI is the answer."""
    install(FakeKB([faq_hit()], lead=0.0))
    dispatcher = await card_for("sy mau komplain soal pelayanan KBRI, caranya gmn?", "id")
    assert texts(dispatcher) == ["ICDD diadakan 16 November 2021."]


async def test_a_mission_contact_entry_beats_the_question_only_when_it_leads(
    install: Any,
) -> None:
    tagged = SimpleNamespace(**{**vars(faq_hit()), "extra": {"tags": ["mission-contact"]}})
    install(FakeKB([tagged], lead=0.0))
    [asked] = texts(await card_for("alamat KBRI di mana ya", "id"))
    assert asked == say("mission_where_are_you", "id")
    install(FakeKB([tagged], lead=1.0))
    assert texts(await card_for("alamat KBRI di mana ya", "id")) == [
        "ICDD diadakan 16 November 2021."
    ]


async def test_a_named_place_gets_its_card_whatever_entry_leads(install: Any) -> None:
    install(FakeKB([faq_hit()], lead=1.0))
    [card] = texts(await card_for("who do I contact at the Indonesian embassy in Osaka", "en"))
    assert card.startswith("The Indonesian mission for Osaka: Consulate General")


async def test_a_tagged_knowledge_answer_is_followed_by_the_card(install: Any) -> None:
    tagged = faq_hit()
    tagged.extra = {"tags": ["passport", "mission-contact"]}
    install(FakeKB([tagged]))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "paspor hilang di Tokyo gimana", "ask_passport", slots={"language": "id"}
    )
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert len(said) == 2 and "KBRI Tokyo" in said[1]


async def test_an_untagged_answer_gets_no_card(install: Any) -> None:
    install(FakeKB([SimpleNamespace(**{**vars(faq_hit()), "extra": {"tags": ["events"]}})]))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("ICDD di Tokyo?", "ask_question", slots={"language": "id"})
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert len(texts(dispatcher)) == 1


def test_an_edited_directory_is_live_without_a_restart_and_a_broken_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "knowledge"
    source.mkdir()
    original = (CONTENT_DIR / "missions.yml").read_text(encoding="utf-8")
    (source / "missions.yml").write_text(original, encoding="utf-8")
    monkeypatch.setenv("DUTA_KNOWLEDGE_DIR", str(source))
    monkeypatch.setattr(missions, "_directory", None)
    monkeypatch.setattr(missions, "_loaded_stamp", None)
    old_phone = missions.directory().by_id("kjri-osaka").contacts["phone"].value

    def rewrite(text: str, stamp: int) -> None:
        path = source / "missions.yml"
        path.write_text(text, encoding="utf-8")
        os.utime(path, (stamp, stamp))

    def settled() -> Any:
        missions.directory()  # notices the change, reloads in the background
        deadline = time.monotonic() + 60
        while missions._reloading.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        return missions.directory()

    rewrite(original.replace(old_phone, "+81 6 0000 0000"), 2_000_000_000)
    assert settled().by_id("kjri-osaka").contacts["phone"].value == "+81 6 0000 0000"
    rewrite(original.replace('country: "JP"', 'country: "XX"', 1), 2_000_000_100)
    assert settled().by_id("kjri-osaka").contacts["phone"].value == "+81 6 0000 0000"


async def test_without_a_place_the_mission_the_user_came_from_is_assumed() -> None:
    """The widget on KBRI Tokyo's site sends data-mission; Telegram's /start mission-<id> too."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "help, I was robbed", "emergency", slots={"language": "en"},
        metadata={"mission": "kbri-tokyo"},
    )  # fmt: skip
    await ActionMissionCard().run(dispatcher, tracker, {})
    [card] = texts(dispatcher)
    assert card.startswith("Your Indonesian mission: Embassy of the Republic of Indonesia in Tokyo")
    # A place the user names still wins over the site's mission.
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "help, I was robbed in Osaka", "emergency", slots={"language": "en"},
        metadata={"mission": "kbri-tokyo"},
    )  # fmt: skip
    await ActionMissionCard().run(dispatcher, tracker, {})
    assert "Osaka" in texts(dispatcher)[0].split("\n")[0]


async def emergency(text: str, language: str = "en", trouble: str = "") -> list[dict[str, Any]]:
    """action_emergency on `text`, in which the NLU found the words of trouble `trouble` ("a|b")."""
    dispatcher = CollectingDispatcher()
    words = typed(text, trouble_word=trouble) if trouble else []
    tracker = make_tracker(text, "emergency", words, slots={"language": language})
    assert await ActionEmergency().run(dispatcher, tracker, {}) == []
    return dispatcher.messages


def emergency_events(text: str, reply: str = "If a life is in danger...") -> list[dict[str, Any]]:
    """A user's emergency message and Duta's emergency reply, as the tracker holds them."""
    return [
        {"event": "user", "text": text},
        {"event": "action", "name": "action_emergency"},
        {"event": "bot", "text": reply, "metadata": {"utter_action": "utter_emergency"}},
    ]


async def test_an_emergency_with_a_place_puts_its_missions_card_first() -> None:
    messages = await emergency("paspor anak saya dicopet di Amsterdam", "id", trouble="dicopet")
    assert messages[0]["text"].startswith("Perwakilan RI terdekat untuk Amsterdam: KBRI Den Haag")
    # Then what to do now (Rasa fills in the response in the user's language); no question.
    assert [m.get("response") for m in messages if m.get("response")] == ["utter_emergency"]
    assert messages[-1].get("response") == "utter_emergency"


async def test_an_emergency_without_a_place_asks_where_after_what_to_do() -> None:
    messages = await emergency("help, I was robbed", trouble="help|robbed")
    assert messages[0].get("response") == "utter_emergency"
    assert messages[1]["text"].startswith("Which city or country are you in?")
    assert len(messages) == 2


async def test_an_emergency_guess_without_a_word_of_trouble_is_a_question(install: Any) -> None:
    """DIET takes many long questions for emergencies; one that names no trouble is answered or
    declined by the knowledge layer (the decline names the hotline), not told to call the police."""
    install(FakeKB([faq_hit()], answerable=False))
    messages = await emergency("Has the Kecak dance been inscribed on the UNESCO heritage list?")
    assert not [m for m in messages if m.get("response") == "utter_emergency"]
    assert [m["custom"]["duta"]["fallback"] for m in messages if m.get("custom")] == [True]


async def test_a_button_or_an_emergency_conversation_needs_no_word_of_trouble(
    install: Any,
) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    assert (await emergency("/emergency"))[0].get("response") == "utter_emergency"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("what do I do now", "emergency", slots={"language": "en"})
    tracker.events = [*emergency_events("my brother was arrested in Penang"), {"event": "user"}]
    await ActionEmergency().run(dispatcher, tracker, {})
    assert "utter_emergency" in [m.get("response") for m in dispatcher.messages]


async def test_a_declined_question_naming_a_place_gets_who_to_ask_there(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "tolong paspor anak sy dicopet di amsterdam", "ask_passport", slots={"language": "id"}
    )
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert len(said) == 2 and said[1].startswith("Perwakilan RI terdekat untuk Amsterdam")
    fallbacks = [
        m["custom"]["duta"].get("fallback") for m in dispatcher.messages if m.get("custom")
    ]
    assert fallbacks[0] is True  # still no answer: the card only says where to ask


async def test_a_declined_question_without_a_place_gets_no_card(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("paspor saya hilang, gimana?", "ask_passport", slots={"language": "id"})
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert len(texts(dispatcher)) == 1 and duta(dispatcher)["fallback"] is True


@pytest.mark.parametrize(
    ("text", "trouble", "language", "card"),
    [
        # Short: a cry for help wherever it happened.
        ("tolong paspor anak sy dicopet di amsterdam", "tolong|dicopet", "id", "Perwakilan RI"),
        # Long, and naming where: someone in trouble there, telling what happened.
        (
            "I lost my Indonesian passport somewhere in Reykjavik and my flight is tomorrow",
            "lost",
            "en",
            "There is no Indonesian mission in Reykjavik",
        ),
    ],
)
async def test_a_declined_cry_for_help_gets_what_to_do_now(
    install: Any, text: str, trouble: str, language: str, card: str
) -> None:
    """The NLU took it for a passport question; no entry answers it, but it names trouble."""
    install(FakeKB([faq_hit()], answerable=False))
    dispatcher = CollectingDispatcher()
    words = typed(text, trouble_word=trouble)
    tracker = make_tracker(text, "ask_passport", words, slots={"language": language})
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert texts(dispatcher)[0].startswith(card)
    assert [m.get("response") for m in dispatcher.messages if m.get("response")] == [
        "utter_emergency"
    ]


async def test_a_long_question_about_trouble_is_declined_as_a_question(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    text = "My passport was stolen and my flight is tomorrow, how long does a travel document take?"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_passport", typed(text, trouble_word="stolen"))
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert not [m for m in dispatcher.messages if m.get("response") == "utter_emergency"]
    assert duta(dispatcher)["fallback"] is True


async def test_a_short_question_for_one_fact_about_trouble_is_no_cry(install: Any) -> None:
    install(FakeKB([faq_hit()], answerable=False))
    text = "denda paspor hilang sekarang berapa ya"
    dispatcher = CollectingDispatcher()
    words = typed(text, trouble_word="hilang", visa_precise_word="berapa")
    tracker = make_tracker(text, "ask_passport", words, slots={"language": "id"})
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert not [m for m in dispatcher.messages if m.get("response") == "utter_emergency"]
    assert duta(dispatcher)["fallback"] is True


def after_where_are_you(text: str, question_language: str = "en") -> Any:
    """A tracker whose last bot words asked where the user is, then the user's `text`."""
    tracker = make_tracker(text, "inform", slots={"language": "en"})
    tracker.events = [
        {"event": "user", "text": "help, I was robbed"},
        {"event": "bot", "text": "If a life is in danger, call the local emergency services…"},
        {"event": "bot", "text": say("mission_where_are_you", question_language)},
        {"event": "user", "text": text},
    ]
    return tracker


async def test_a_place_named_after_where_are_you_gets_its_card(install: Any) -> None:
    kb = install(FakeKB([faq_hit()], answerable=False))
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, after_where_are_you("Osaka"), {})
    [card] = texts(dispatcher)
    assert card.startswith("The Indonesian mission for Osaka: Consulate General") and kb.calls == []


async def test_skipping_where_are_you_is_answered_as_usual(install: Any) -> None:
    install(FakeKB([faq_hit()]))
    dispatcher = CollectingDispatcher()
    tracker = after_where_are_you("never mind, when was ICDD?")
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    assert texts(dispatcher) == ["ICDD was held on 16 November 2021."]


def test_only_the_last_words_before_the_message_count() -> None:
    tracker = after_where_are_you("Osaka")
    assert asked_where(tracker)
    tracker.events.insert(3, {"event": "bot", "text": "Sure, I'll answer in English."})
    assert not asked_where(tracker)


async def test_a_place_named_earlier_in_the_conversation_is_remembered() -> None:
    dispatcher = CollectingDispatcher()
    text = "I lost my passport, help"
    words = typed(text, trouble_word="lost|help")
    tracker = make_tracker(text, "emergency", words, slots={"language": "en"})
    tracker.events = [
        {"event": "user", "text": "hi, I'm a student in Osaka"},
        {"event": "bot", "text": "Hello!"},
        {"event": "user", "text": "I lost my passport, help"},
    ]
    await ActionEmergency().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"].startswith("The Indonesian mission for Osaka")


@pytest.mark.parametrize(("share", "emergency"), [(0.15, True), (0.0, False)])
async def test_trouble_in_a_named_place_taken_for_out_of_scope_gets_the_emergency_reply(
    install: Any, share: float, emergency: bool
) -> None:
    """The NLU said out of scope but still gave the emergency intent a share: someone in
    trouble in Cuzco gets the card and the hotline; "weather in Lima" keeps its decline."""
    install(FakeKB([], answerable=False))
    tracker = make_tracker(
        "My wife is in a clinic in Cuzco and they want a big deposit", "out_of_scope",
        slots={"language": "en"},
    )  # fmt: skip
    tracker.latest_message["intent_ranking"] = [
        {"name": "out_of_scope", "confidence": 1.0 - share},
        {"name": "emergency", "confidence": share},
    ]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    responses = [m.get("response") for m in dispatcher.messages]
    assert ("utter_emergency" in responses) is emergency, dispatcher.messages
    assert any("Embassy of the Republic of Indonesia in Lima" in t for t in said) is emergency


async def test_a_declined_place_during_an_emergency_is_answered_with_its_card(
    install: Any,
) -> None:
    """ "di johor bahru katanya" after an arrest, which the knowledge layer cannot answer: where
    the trouble is, so the card is the answer, without the apology that would mark it unanswered."""
    install(FakeKB([faq_hit()], answerable=False))
    tracker = make_tracker("di johor bahru katanya", "ask_question", slots={"language": "id"})
    tracker.events = [
        *emergency_events("abang sy ditangkep polisi malaysia kmrn"),
        {"event": "user"},
    ]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert len(said) == 1 and said[0].startswith("Perwakilan RI terdekat untuk Johor Bahru")
    assert duta(dispatcher)["fallback"] is False


@pytest.mark.parametrize("after_emergency", [True, False])
async def test_a_place_named_during_an_emergency_gets_its_card(
    install: Any, after_emergency: bool
) -> None:
    """ "Peru. Her last story was from Cusco", taken for out of scope: right after an emergency
    it says where the trouble is; out of the blue it is declined as before."""
    install(FakeKB([], answerable=False))
    tracker = make_tracker(
        "Peru. Her last instagram story was from Cusco", "out_of_scope", slots={"language": "en"}
    )
    earlier = [
        *emergency_events("my sister is missing, we lost contact 6 days ago"),
        {"event": "bot", "text": "Which city or country is she in?"},
        {"event": "user", "text": "she was backpacking"},
        {"event": "action", "name": "action_answer_from_knowledge"},
    ]
    tracker.events = [*(earlier if after_emergency else earlier[4:]), {"event": "user"}]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert any("Embassy of the Republic of Indonesia in Lima" in t for t in said) is after_emergency
    assert any("outside what I can help with" in t for t in said) is not after_emergency


@pytest.mark.parametrize("after_emergency", [True, False])
async def test_a_declined_follow_up_during_an_emergency_gets_the_contacts_again(
    install: Any, after_emergency: bool
) -> None:
    """ "kjri nya buka hari sabtu gk?" after a stolen passport in Frankfurt, which no entry
    answers: the mission named before and the hotline, not an apology. Out of the blue the same
    question is declined as before."""
    install(FakeKB([faq_hit()], answerable=False))
    tracker = make_tracker("kjri nya buka hari sabtu gk?", "ask_question", slots={"language": "id"})
    earlier = emergency_events("koper sy dicuri di frankfurt, paspor di dlm")
    tracker.events = [*(earlier if after_emergency else []), {"event": "user"}]
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    responses = [m.get("response") for m in dispatcher.messages]
    assert ("utter_emergency" in responses) is after_emergency, dispatcher.messages
    said = texts(dispatcher)
    assert any("Frankfurt" in t for t in said) is after_emergency
    assert any(
        m.get("custom", {}).get("duta", {}).get("fallback") for m in dispatcher.messages
    ) is (not after_emergency)


async def test_a_language_asked_for_is_no_place() -> None:
    # "pakai bahasa inggris": the NLU's `language` entity, not the United Kingdom.
    text = "jawab pakai bahasa inggris ya: gimana cara lapor diri?"
    start = text.index("inggris")
    language = {"entity": "language", "value": "en", "start": start, "end": start + 7}
    assert "inggris" not in missions.place_words({"text": text, "entities": [language]})
    assert missions.place_words({"text": text, "entities": []}) == text
    assert (
        await missions.resolve(missions.place_words({"text": text, "entities": [language]})) is None
    )
    assert await missions.resolve(text) is not None


def fallbacks(dispatcher: CollectingDispatcher) -> list[bool]:
    return [m["custom"]["duta"]["fallback"] for m in dispatcher.messages if m.get("custom")]


async def ask_mission(text: str, language: str = "en") -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, "ask_mission", slots={"language": language})
    assert await ActionMissionCard().run(dispatcher, tracker, {}) == []
    return dispatcher


async def test_a_question_the_card_does_not_answer_gets_it_with_an_honest_no(
    install: Any,
) -> None:
    """Who heads a mission is not on its card: Duta says so, and the card is where to ask."""
    kb = install(FakeKB([], answerable=False, unheld=0.6))
    dispatcher = await ask_mission("who is the Indonesian consul general in Osaka?")
    lacks, card = texts(dispatcher)
    assert lacks == say("card_lacks", "en")
    assert card.startswith("The Indonesian mission for Osaka:")
    assert True in fallbacks(dispatcher)
    [(query, held, _lacking)] = kb.held_asked
    assert query == "who is the Indonesian consul general in Osaka?"
    assert any("Consulate General of the Republic of Indonesia in Osaka" in t for t in held)
    assert any("KJRI Osaka" in t for t in held), "the card in both languages is held"


async def test_a_question_the_card_answers_gets_it_alone(install: Any) -> None:
    install(FakeKB([], answerable=False, unheld=0.2))
    dispatcher = await ask_mission("kbri osaka alamatnya di mana", "id")
    [card] = texts(dispatcher)
    assert card.startswith("Perwakilan RI terdekat untuk Osaka")
    assert fallbacks(dispatcher) == [False]


async def test_the_fields_a_card_lacks_are_not_held(install: Any) -> None:
    """A question for a contact the mission has none of on record asks beyond the card."""
    kb = install(FakeKB([], answerable=False, unheld=0.0))
    found = await missions.resolve("Taiwan")
    lacking = {key for key in missions.CONTACT_LINES if not found.mission.contacts[key].value}
    assert "phone" in lacking
    await ask_mission("phone number of the Indonesian office in Taiwan")
    [(_query, _held, lacks)] = kb.held_asked
    assert "phone" in lacks and "Phone: " in lacks and "Telepon: " in lacks


async def test_after_an_emergency_the_card_is_help_not_an_answer(install: Any) -> None:
    kb = install(FakeKB([], answerable=False, unheld=0.9))
    dispatcher = await card_for("tolong paspor saya dicuri di Osaka", "id")
    assert len(texts(dispatcher)) == 1 and fallbacks(dispatcher) == [False]
    assert kb.held_asked == []


def test_the_ways_of_asking_for_a_mission_come_from_its_examples() -> None:
    words = held.asking_words("ask_mission").split()
    assert {"alamat", "address", "kbri", "embassy"} <= set(words)
    assert "ramadan" not in words, "a word one example uses is its topic, not a way of asking"


@pytest.mark.parametrize(
    ("tags", "trouble", "hotline"),
    [
        (["passport", "mission-contact"], "hilang", True),  # "paspor saya hilang": who to call
        (["passport", "mission-contact"], None, False),  # a question, no trouble named
        (["hotline", "mission-contact"], "hilang", False),  # the entry gives the hotline itself
    ],
)
async def test_trouble_answered_by_an_entry_comes_with_the_hotline(
    install: Any, tags: list[str], trouble: str | None, hotline: bool
) -> None:
    hit = faq_hit()
    hit.extra = {"tags": tags}
    install(FakeKB([hit]))
    text = "paspor saya hilang, gimana"
    words = typed(text, trouble_word=trouble) if trouble else []
    tracker = make_tracker(text, "ask_passport", words, slots={"language": "id"})
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKnowledge().run(dispatcher, tracker, {})
    said = texts(dispatcher)
    assert said[0] == "ICDD diadakan 16 November 2021."
    assert any("+62 812 9007 0027" in text for text in said) is hotline
    if hotline:
        sources = [m["custom"]["duta"]["sources"] for m in dispatcher.messages if m.get("custom")]
        assert sources[-1][0]["date"], "the hotline carries its source's date"

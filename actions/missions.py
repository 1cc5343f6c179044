"""The card of the Indonesian mission serving the place a user names (content/missions.yml).

`action_mission_card` runs after the emergency reply (rules.yml): with a place in the message,
the mission's card follows the hotline in the same reply; without one, one short question asks
where the user is (answering it is optional). Knowledge answers whose FAQ entry is tagged
`mission-contact` (lost passport, emergencies, the missions' hotlines) are followed by the card
too when the question names a place (actions/answer.py).

Every contact field is shown only when a source gives it, with the source's date; a mission with
no phone on record points to its website and Kemlu's hotline instead. A territory served through
its sovereign state's mission says so; a place the directory documents as served by no mission
(South Sudan, Western Sahara) says that plainly, why, and gives Kemlu's hotline.

Staff edits reach users without a restart: when content/missions.yml changes, the new file is
loaded beside the old one (which keeps answering) and swapped in once it has passed its checks; a
file that fails them is logged and the old directory stays.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import held, nlu_words
from actions.language import DEFAULT_LANGUAGE, LANGUAGES, normalise
from actions.meta import duta_meta, messages_before
from actions.texts import say

logger = logging.getLogger(__name__)

CONTACT_LINES = ("address", "phone", "hotline", "email", "hours", "website")
# FAQ entries after whose answer the card of a place named in the question is useful.
CARD_TAG = "mission-contact"

_directory: Any = None
_loaded_stamp: float | None = None  # the file's mtime when _directory was read
_directory_lock = threading.Lock()  # one load at a time
_reloading = threading.Event()


def _file() -> Path:
    from knowledge.missions import default_directory_file

    return default_directory_file()


def _stamp() -> float | None:
    try:
        return _file().stat().st_mtime
    except OSError:
        return None


def _load() -> None:
    """Read and check the file, build its gazetteer, then swap it in; on failure keep the old."""
    global _directory, _loaded_stamp
    with _directory_lock:
        stamp = _stamp()
        if _directory is not None and stamp == _loaded_stamp:
            return
        try:
            from knowledge.missions import load_directory

            loaded = load_directory(_file())
            _ = loaded.gazetteer  # built now, not during someone's emergency
        except Exception:  # a broken file must not break the emergency reply
            logger.exception("Mission directory not loaded; the previous one (if any) stays")
            _loaded_stamp = stamp  # not retried until the file changes again
            return
        _directory, _loaded_stamp = loaded, stamp
        logger.info("Mission directory loaded: %d missions", len(loaded.missions))


def directory() -> Any:
    """The mission directory with its gazetteer; None when none could be loaded.

    The first call loads it (about a second). A changed file is reloaded in the background
    while the current directory keeps answering."""
    if _directory is None:
        _load()
    elif _stamp() != _loaded_stamp and not _reloading.is_set():
        _reloading.set()

        def reload() -> None:
            try:
                _load()
            finally:
                _reloading.clear()

        threading.Thread(target=reload, name="missions-reload", daemon=True).start()
    return _directory


def start_loading() -> None:
    threading.Thread(target=directory, name="missions-load", daemon=True).start()


async def resolve(
    text: str | None, home: str | None = None, said_before: Sequence[str] = ()
) -> Any:
    """The Resolution for the place the text names; else for a place the user named in an
    earlier message (`said_before`, the latest first: "I'm in Osaka" ... "I lost my passport");
    else for the mission the user came from (`home`: the widget's data-mission, Telegram's
    /start mission-<id>); else None."""
    missions = await asyncio.to_thread(directory)
    if missions is None:
        return None
    found = None
    for said in (text, *said_before):
        if not said or said.startswith("/"):
            continue
        # Matching names (and near misses) takes milliseconds: off the event loop.
        found = await asyncio.to_thread(missions.resolve, said)
        if found is None:
            # A place named that no mission serves is answered as such, not with the home's card.
            found = await asyncio.to_thread(missions.unserved, said)
        if found is not None:
            break
    if found is None and home and (mission := missions.by_id(home)) is not None:
        from knowledge.missions import Resolution

        found = Resolution(mission, "home", mission.city["en"], mission.country)
    return found


# How many of the user's earlier messages may hold the place a mission card is for.
PLACE_MEMORY_MESSAGES = 5


def place_words(message: dict[str, Any]) -> str | None:
    """The message's text without the languages the NLU found in it: "jawab pakai bahasa
    inggris ya" names no place."""
    text = message.get("text")
    spans = [
        (e["start"], e["end"])
        for e in message.get("entities") or []
        if e.get("entity") == "language" and isinstance(e.get("start"), int)
    ]
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} {text[end:]}" if text else text
    return text


async def resolve_for(tracker: Tracker) -> Any:
    """The mission for this conversation's place: named now, named in one of the user's last
    PLACE_MEMORY_MESSAGES messages, or the channel's own mission."""
    earlier = messages_before(tracker)[:PLACE_MEMORY_MESSAGES]
    text = place_words(tracker.latest_message or {})
    return await resolve(text, home_mission(tracker), earlier)


def asked_where(tracker: Tracker) -> bool:
    """Whether Duta's last words before this message were "which city or country are you in?"
    (after an emergency or a mission question without a place)."""
    question = {say("mission_where_are_you", language) for language in LANGUAGES}
    seen_current = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current:
                return False
            seen_current = True
        elif seen_current and event.get("event") == "bot" and event.get("text"):
            return event["text"] in question
    return False


def home_mission(tracker: Tracker) -> str | None:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    home = metadata.get("mission")
    return home if isinstance(home, str) else None


def card(found: Any, language: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(text, the card as data for channels that draw it, the sources with their dates)."""
    from knowledge.missions import NoMission, country_name

    place = found.place.title()
    loaded = directory()
    catalog = loaded.sources if loaded is not None else {}
    if isinstance(found, NoMission):
        why = found.why.get(language) or found.why["en"]
        text = say("mission_none", language, place=place, why=why)
        sources = [source_line(catalog.get(found.source or ""))] if found.source else []
        return text, {"id": None, "country": found.country, "no_mission": True}, sources
    mission = found.mission
    name, city = mission.name[language], mission.city[language]
    heading = {
        "accredited": "mission_heading_accredited",
        "looks-after": "mission_heading_looks_after",
        "sovereign": "mission_heading_sovereign",
        "home": "mission_heading_home",
    }.get(found.how, "mission_heading")
    sovereign = country_name(found.sovereign, language) if found.sovereign else ""
    lines = [say(heading, language, place=place, name=name, city=city, sovereign=sovereign)]
    used: dict[str, dict[str, Any]] = {}
    fields: dict[str, str] = {}
    for key in CONTACT_LINES:
        contact = mission.contacts[key]
        if contact.value:
            lines.append(say(f"mission_{key}", language, value=str(contact.value)))
            fields[key] = str(contact.value)
            used[contact.source] = source_line(catalog.get(contact.source or ""))
    if not mission.contacts["phone"].value and not mission.contacts["hotline"].value:
        lines.append(say("mission_no_phone", language))
    sources = [s for s in used.values() if s]
    if sources:
        newest = max(sources, key=lambda s: s.get("date") or "")
        lines.append(say("mission_as_of", language, date=str(newest["date"])))
    data = {"id": mission.id, "kind": mission.kind, "name": name, "city": city, **fields}
    return "\n".join(lines), data, sources


def source_line(source: dict[str, Any] | None) -> dict[str, Any]:
    """A directory source as the {title, url, date} the channels show under an answer."""
    if not source:
        return {}
    return {"title": source["title"], "url": source.get("url"), "date": str(source.get("date"))}


def utter_card(dispatcher: CollectingDispatcher, found: Any, language: str) -> None:
    text, data, sources = card(found, language)
    dispatcher.utter_message(text=text)
    meta = duta_meta(sources)
    meta["duta"]["mission"] = data
    dispatcher.utter_message(json_message=meta)


class ActionMissionCard(Action):
    def name(self) -> str:
        return "action_mission_card"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        text = (tracker.latest_message or {}).get("text") or ""
        if text.startswith("/"):
            # The widget's header button on an embassy's site: that embassy's card, whatever
            # place the conversation named before.
            found = await resolve(None, home_mission(tracker))
        else:
            found = await resolve(text)
            # A mission question naming no place would only get "where are you?" (or the home
            # mission's card); an entry staff wrote for it answers it.
            if (
                found is None
                and not asked_where(tracker)
                and await _entry_answered(dispatcher, tracker, text, language)
            ):
                return []
            # Asked for, the card answers where the mission is and how to reach it, not who
            # heads it or how many citizens it serves; it is still where to ask. (After the
            # emergency reply, in this message or shortly before, the card is help.)
            intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
            if (
                found is not None
                and intent == "ask_mission"
                and not asked_where(tracker)
                and not in_emergency(tracker)
                and await held.asks_beyond(text, "ask_mission", *card_words(found))
            ):
                dispatcher.utter_message(
                    text=say("card_lacks", language), json_message=duta_meta(fallback=True)
                )
        found = found or await resolve_for(tracker)
        if found is None:
            dispatcher.utter_message(text=say("mission_where_are_you", language))
        else:
            utter_card(dispatcher, found, language)
        return []


def card_words(found: Any) -> tuple[list[str], list[str]]:
    """(what the card says, in both languages, with the place's names; the labels of the
    contact fields it lacks) for `held.asks_beyond`."""
    from knowledge.missions import NoMission, country_name

    says = [card(found, language)[0] for language in LANGUAGES]
    says += [country_name(found.country, language) for language in LANGUAGES]
    if isinstance(found, NoMission):
        return says, []
    mission = found.mission
    says += [*mission.name.values(), *mission.city.values()]
    says += [country_name(mission.country, language) for language in LANGUAGES]
    # A field's label in both languages, and its key: "email" is the word users type.
    lacking = [
        label
        for key in CONTACT_LINES
        if not mission.contacts[key].value
        for label in (key, *(say(f"mission_{key}", language, value="") for language in LANGUAGES))
    ]
    return says, lacking


async def _entry_answered(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, language: str
) -> bool:
    """Nothing hides an entry (issue 22): an entry staff wrote for the question (a complaints
    procedure about the KBRI's service) is the answer, though the NLU heard a mission question.
    The entries about contacting a mission are this action's own: they must lead the next
    record."""
    from actions import answer  # answer imports this module

    result = await answer.search_in_context(tracker, text, language, lean_on_earlier=False)
    hit = answer.best_hit(result)
    own = {hit.faq_id} if hit is not None and CARD_TAG in answer.tags_of(hit) else set()
    if answer.leading_entry(result, tracker, own) is None:
        return False
    await answer.utter_answer(dispatcher, tracker, result, language)
    return True


# An out-of-scope message that names a place, and to which the NLU still gives the emergency
# intent at least this share, is someone in trouble abroad the classifier missed ("my wife is in
# a clinic in Cuzco, they want a deposit"). Picked on dev (docs/benchmarks.md): xSID valid and
# near-domain dev messages naming a place stay at 0.035 or under; missed dev emergencies reach
# 0.08 and 0.15.
EMERGENCY_RUNNER_UP = 0.05


# How many of the user's earlier messages an emergency stays the conversation's topic.
EMERGENCY_MEMORY_MESSAGES = 3


def in_emergency(tracker: Tracker) -> bool:
    """Whether Duta gave the emergency reply (`utter_emergency`, from whichever action or rule)
    to one of the user's last EMERGENCY_MEMORY_MESSAGES messages: a place named now is where
    the trouble is."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen > EMERGENCY_MEMORY_MESSAGES:
                return False
        elif (event.get("metadata") or {}).get("utter_action") == "utter_emergency":
            return True
    return False


def emergency_share(message: dict[str, Any]) -> float:
    """The confidence the NLU gave the emergency intent in the message's ranking."""
    ranking = message.get("intent_ranking") or []
    shares = [r.get("confidence", 0.0) for r in ranking if r.get("name") == "emergency"]
    return max(shares, default=0.0)


def utter_emergency(dispatcher: CollectingDispatcher, found: Any, language: str) -> None:
    """The card of the mission serving the place first when the place is known (`found`, a
    Resolution: who to call there), then what to do now (`utter_emergency`: local emergency
    number, Kemlu's hotline, the panic button); without a place, one question: where are you?"""
    if found is not None:
        utter_card(dispatcher, found, language)
    dispatcher.utter_message(response="utter_emergency")
    if found is None:
        dispatcher.utter_message(text=say("mission_where_are_you", language))


TROUBLE_WORD = "trouble_word"


def says_trouble(message: dict[str, Any]) -> bool:
    """Whether the message names trouble (training_data/emergency_terms.yml, found by the NLU)."""
    return bool(nlu_words.found(message.get("entities") or [], TROUBLE_WORD))


class ActionEmergency(Action):
    """An emergency: `utter_emergency`, the mission card first. A message that names no trouble
    ("has the Kecak dance been inscribed by UNESCO?": DIET takes many long questions for
    emergencies) is a question for the knowledge layer, unless the conversation is already
    about an emergency or a button asked for this reply."""

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        if not (text.startswith("/") or says_trouble(message) or in_emergency(tracker)):
            from actions import answer  # answer imports this module

            return await answer.ActionAnswerFromKnowledge().run(dispatcher, tracker, domain)
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        utter_emergency(dispatcher, await resolve_for(tracker), language)
        return []

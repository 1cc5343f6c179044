"""`action_events`: digital diplomacy events from content/events.yml.

By name ("ceritain RCDD", a button), by year ("acara 2019"), all of them, or what is next
("acara berikutnya?"): when no upcoming event is on record, it says so instead of guessing.
One intent (ask_events) covers all four; the wording tells them apart: event names from
content/events.yml, the other words as Rasa's NLU found them (training_data/event_terms.yml).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import content, held
from actions.answer import (
    best_hit,
    leading_entry,
    search,
    search_in_context,
    tags_of,
    utter_answer,
)
from actions.language import DEFAULT_LANGUAGE, LANGUAGES, normalise
from actions.meta import duta_meta
from actions.nlu_words import Entity, found
from actions.texts import say

# The NLU's entities from training_data/event_terms.yml (actions/nlu_words.py): what is next
# ("berikutnya", "upcoming"), a year, and the words that make a message about events as such;
# without one (and without an event's name or a year) an "events" guess of the NLU is checked
# against the knowledge base first.
NEXT_WORD = "event_next_word"
YEAR = "event_year"
EVENT_WORD = "event_word"
_ACRONYM = re.compile(r"^[A-Z]{3,}$")
_MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_FORMATS = {
    "id": {"in-person": "tatap muka", "online": "daring", "hybrid": "hibrida"},
    "en": {"in-person": "in person", "online": "online", "hybrid": "hybrid"},
}


def long_date(day: dt.date, language: str) -> str:
    return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"


def when(event: dict[str, Any], language: str) -> str:
    """The event's date as a reader wants it (the note carries the weekday or why it is unknown)."""
    note = event.get("date_note") or {}
    if note.get(language):
        return note[language].rstrip(".")
    if event["date"] is None:
        return say("date_unknown", language)
    end = content.as_date(event.get("end_date"))
    start = long_date(event["date"], language)
    return f"{start} - {long_date(end, language)}" if end else start


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def events_named(text: str, events: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """Events the text names: a full name or alias beats a bare acronym (STEKOM → both days)."""
    haystack = f" {_normal(text)} "
    scored: list[tuple[int, dict[str, Any]]] = []
    for event in events:
        names = [*event.get("aliases", []), *(event.get("name") or {}).values()]
        acronyms = {word for name in names for word in name.split() if _ACRONYM.match(word)}
        if any(f" {_normal(name)} " in haystack for name in names):
            scored.append((2, event))
        elif any(f" {acronym.lower()} " in haystack for acronym in acronyms):
            scored.append((1, event))
    best = max((score for score, _ in scored), default=0)
    return [event for score, event in scored if score == best]


def about_listed_event(hit: Any, events: tuple[dict[str, Any], ...]) -> bool:
    """Whether a FAQ entry is about an event this action lists (its answers, question or tags
    name one): such an entry is the events flow's own, and beats the list only when it leads the
    next record (`leading_entry`). An entry on an event the list lacks (one staff added) is the
    answer outright, as any entry is for the visa form."""
    tags = " ".join(tags_of(hit))
    texts = [*(hit.answers or {}).values(), hit.title or "", tags]
    return any(events_named(text, events) for text in texts)


def describe(event: dict[str, Any], language: str) -> str:
    """All the event's facts in one message."""
    lines = [event["name"][language], f"{say('label_date', language)}: {when(event, language)}"]
    place = (event.get("place") or {}).get(language)
    if place:
        kind = _FORMATS[language].get(event.get("format") or "", "")
        lines.append(f"{say('label_place', language)}: {place}" + (f" ({kind})" if kind else ""))
    if event.get("organisers"):
        lines.append(f"{say('label_organisers', language)}: {', '.join(event['organisers'])}")
    speakers = [
        f"{s['name']}, {s.get('role_id') if language == 'id' and s.get('role_id') else s['role']}"
        for s in event.get("speakers") or []
    ]
    if speakers:
        lines.append(f"{say('label_speakers', language)}: {'; '.join(speakers)}")
    if (event.get("summary") or {}).get(language):
        lines.append(event["summary"][language])
    if (event.get("outcome") or {}).get(language):
        lines.append(f"{say('label_outcome', language)}: {event['outcome'][language]}")
    return "\n".join(lines)


def listing(events: list[dict[str, Any]], language: str) -> str:
    return "\n".join(f"• {e['name'][language]}: {when(e, language)}" for e in events)


def source_of(event: dict[str, Any]) -> dict[str, Any]:
    source = event.get("source") or {}
    date = content.as_date(source.get("date"))
    out = {
        "title": source.get("title") or event["name"]["en"],
        "url": source.get("url"),
        "date": date.isoformat() if date else None,
    }
    # An undated page carries the day it was read instead (shown as such).
    accessed = None if date else content.as_date(source.get("accessed"))
    if accessed:
        out["accessed"] = accessed.isoformat()
    return out


def _buttons(events: list[dict[str, Any]], language: str) -> list[dict[str, str]]:
    return [
        {"title": e["name"][language], "payload": f'/ask_events{{"event": "{e["id"]}"}}'}
        for e in events
    ]


def answer_next(
    dispatcher: CollectingDispatcher,
    events: tuple[dict[str, Any], ...],
    language: str,
    today: dt.date,
) -> None:
    upcoming = [e for e in events if e["date"] is not None and e["date"] >= today]
    if upcoming:
        _list(dispatcher, upcoming, language, say("events_upcoming", language))
        return
    dated = [e for e in events if e["date"] is not None]
    latest = dated[-1] if dated else None
    key = "events_none_upcoming" if latest else "events_none_known"
    values = {"name": latest["name"][language], "date": when(latest, language)} if latest else {}
    dispatcher.utter_message(text=say(key, language, **values))
    # It says it has no answer, so it is a fallback whatever else it lists.
    sources = [source_of(latest)] if latest else []
    dispatcher.utter_message(json_message=duta_meta(sources, fallback=True))


def _describe_all(
    dispatcher: CollectingDispatcher, chosen: list[dict[str, Any]], language: str
) -> None:
    dispatcher.utter_message(text="\n\n".join(describe(e, language) for e in chosen))
    topic = ", ".join(e["name"][language] for e in chosen)
    dispatcher.utter_message(json_message=duta_meta([source_of(e) for e in chosen], topic=topic))


def _list(
    dispatcher: CollectingDispatcher,
    shown: list[dict[str, Any]],
    language: str,
    intro: str,
    fallback: bool = False,
) -> None:
    dispatcher.utter_message(
        text=intro + "\n" + listing(shown, language), buttons=_buttons(shown, language)
    )
    sources = [source_of(e) for e in shown]
    dispatcher.utter_message(json_message=duta_meta(sources, fallback=fallback))


def year_named(entities: Iterable[Entity]) -> str | None:
    """The first year the message names (19xx or 20xx, as typed), if any."""
    return next((e["value"] for e in found(entities, YEAR)), None)


def event_words(chosen: list[dict[str, Any]]) -> list[str]:
    """All that the events' descriptions say, in both languages, with their other names."""
    return [describe(e, language) for e in chosen for language in LANGUAGES] + [
        name for e in chosen for name in e.get("aliases") or []
    ]


async def asks_beyond_facts(text: str, language: str, named: list[dict[str, Any]]) -> bool:
    """Whether a question about these events asks for what their facts do not hold. The events
    are records of the knowledge layer too: when it answers the question, the facts hold the
    answer ("how many countries sent representatives to ICDD?"), whatever words it is asked in."""
    if not await held.asks_beyond(text, "ask_events", event_words(named)):
        return False
    return best_hit(await search(text, language)) is None


async def answer_events(
    dispatcher: CollectingDispatcher,
    events: tuple[dict[str, Any], ...],
    language: str,
    text: str,
    event_id: str | None,
    year: str | None,
) -> None:
    """One event by id or name; else the events of the year the text names; else all. A
    question about an event that its facts do not answer ("which hotel hosted ICDD?") is told
    so before the facts (`held.asks_beyond`)."""
    named = [e for e in events if e["id"] == event_id] or events_named(text, events)
    if named:
        if text and await asks_beyond_facts(text, language, named):
            dispatcher.utter_message(
                text=say("event_lacks", language), json_message=duta_meta(fallback=True)
            )
        _describe_all(dispatcher, named, language)
        return
    if not year:
        _list(dispatcher, list(events), language, say("events_list", language))
        return
    in_year = [e for e in events if e["date"] and e["date"].year == int(year)]
    if len(in_year) == 1:
        _describe_all(dispatcher, in_year, language)
    elif in_year:
        _list(dispatcher, in_year, language, say("events_in_year", language, year=year))
    else:
        intro = say("events_none_in_year", language, year=year)
        _list(dispatcher, list(events), language, intro, fallback=True)


class ActionEvents(Action):
    def name(self) -> str:
        return "action_events"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        # A payload's text is "/ask_events{...}": only its entity counts.
        payload = text.startswith("/")
        text = "" if payload else text
        words = [] if payload else message.get("entities") or []
        if found(words, NEXT_WORD):
            answer_next(dispatcher, content.events(), language, dt.date.today())
            return []
        event_id = next(tracker.get_latest_entity_values("event"), None)
        events = content.events()
        year = year_named(words)
        about_events = event_id or events_named(text, events) or year
        if not about_events:
            # An entry answering the question itself is the answer; a message without an
            # event's words ("kegiatan diplomasi apa yang bisa virtual?") is no question about
            # events, so any answer of the knowledge layer beats the list.
            result = (
                await search_in_context(tracker, text, language, lean_on_earlier=False)
                if text
                else None
            )
            about_something_else = bool(text) and not found(words, EVENT_WORD)
            hit = best_hit(result)
            own = {hit.faq_id} if hit is not None and about_listed_event(hit, events) else set()
            if leading_entry(result, tracker, own) or (about_something_else and hit):
                await utter_answer(dispatcher, tracker, result, language)
                return []
        await answer_events(dispatcher, events, language, text, event_id, year)
        return []

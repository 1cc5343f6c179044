"""`action_answer_from_knowledge`: answers from the knowledge layer in the user's language.

FAQ hit: the stored answer in the slot language. Document hit: a short extract under the
document's title. Either way the sources follow as a `custom.duta` message
(docs/architecture.md). When the knowledge layer says "not answerable", an honest
"I don't know" with where to ask (fallback true). It also runs for messages the NLU judged out of
scope: those are answered only when the knowledge layer clears its strict bar, and otherwise get
the polite out-of-scope reply (what Duta can help with, fallback true).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge_base, missions
from actions.language import DEFAULT_LANGUAGE, normalise
from actions.meta import duta_meta, duta_meta_of
from actions.nlu_words import is_precise
from actions.texts import say
from knowledge.text_tokens import bm25_tokens

logger = logging.getLogger(__name__)

SEARCH_K = 5
EXTRACT_CHARS = 700  # a whole document chunk (knowledge/build/chunking.py: at most ~680 characters)
# A request arriving while the index is still loading waits this long before declining.
LOAD_WAIT_SECONDS = 60.0

# Buttons send bare payloads ("/ask_passport", '/ask_safe_travel{"topic": "register"}'):
# search the question they stand for instead.
TOPIC_QUERIES: dict[tuple[str, str | None], dict[str, str]] = {
    ("ask_safe_travel", None): {
        "id": "apa itu aplikasi Safe Travel Kemlu",
        "en": "what is Kemlu's Safe Travel app",
    },
    ("ask_safe_travel", "register"): {
        "id": "cara lapor diri perjalanan di Safe Travel",
        "en": "how to report a trip in Safe Travel",
    },
    ("ask_safe_travel", "panic_button"): {
        "id": "tombol darurat di aplikasi Safe Travel",
        "en": "emergency button in the Safe Travel app",
    },
    ("ask_safe_travel", "peduli_wni"): {
        "id": "lapor diri WNI yang tinggal di luar negeri Peduli WNI",
        "en": "Peduli WNI self-report for Indonesians living abroad",
    },
    ("ask_passport", None): {
        "id": "perpanjang paspor di luar negeri",
        "en": "renew passport abroad",
    },
    ("ask_passport", "lost"): {
        "id": "paspor hilang di luar negeri",
        "en": "lost passport abroad",
    },
}
# After the entry answer of a topic, the related questions as buttons (titles: utter_button_* in
# domain.yml).
FOLLOW_UPS: dict[str, list[tuple[str, str]]] = {
    "ask_safe_travel": [
        ("button_register_trip", '/ask_safe_travel{"topic": "register"}'),
        ("button_panic_button", '/ask_safe_travel{"topic": "panic_button"}'),
        ("button_peduli_wni", '/ask_safe_travel{"topic": "peduli_wni"}'),
    ],
    "ask_passport": [
        ("button_lost_passport", '/ask_passport{"topic": "lost"}'),
        ("button_peduli_wni", '/ask_safe_travel{"topic": "peduli_wni"}'),
    ],
}


def content_words(text: str) -> set[str]:
    """The words of a text that say what it asks about (the search's own stopwords and stems)."""
    return {token for token in bm25_tokens(text) if len(token) > 1}


def search_query(
    user_text: str | None, intent: str | None, topic: str | None, language: str
) -> str | None:
    """What to search for: the user's words, or the question a button stands for. A message that
    names the topic and nothing else ("paspor", "safe travel itu apa?", "what's Safe Travel?")
    also means the topic's entry question: searched as typed, it ties every entry of the topic
    ("paspor hilang" says more, and is searched as typed)."""
    user_text = (user_text or "").strip()
    topic_query = TOPIC_QUERIES.get((intent or "", topic), {}).get(language)
    if user_text.startswith("/"):
        return topic_query
    if topic_query and content_words(user_text) <= content_words(topic_query):
        return topic_query
    return user_text or None


def follow_up_buttons(intent: str | None, topic: str | None, language: str) -> list[dict]:
    """Related questions, offered only after a topic's entry answer (no sub-topic chosen)."""
    if topic is not None:
        return []
    return [
        {"title": say(title, language), "payload": payload}
        for title, payload in FOLLOW_UPS.get(intent or "", [])
    ]


def shorten(passage: str, limit: int = EXTRACT_CHARS) -> str:
    """At most `limit` characters, cut at a sentence end when there is one late enough."""
    passage = " ".join(passage.split())
    if len(passage) <= limit:
        return passage
    cut = passage[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end >= limit // 2:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + " …"


def source_of(hit: Any) -> dict[str, Any]:
    """The {title, url, date, accessed} the gateway shows under an answer: an undated page
    carries the day it was read instead (shown as such, never as a publication date)."""
    source = getattr(hit, "source", None) or {}
    out = {"title": source.get("title") or hit.title, "url": source.get("url")}
    out["date"] = source.get("date")
    if not out["date"] and source.get("accessed"):
        out["accessed"] = source["accessed"]
    return out


def answer_text(hit: Any, language: str) -> str:
    """The answer a hit holds, in `language` where the content has it."""
    if hit.kind == "faq":
        answers = getattr(hit, "answers", None) or {}
        other = "en" if language == "id" else "id"
        return answers.get(language) or answers.get(other) or hit.text
    same_language = normalise(getattr(hit, "language", None)) in (None, language)
    if not same_language:
        key = "document_extract_other_language"
    elif (getattr(hit, "extra", None) or {}).get("translated_from"):
        key = "document_extract_translated"
    else:
        key = "document_extract"
    return say(key, language, title=hit.title, extract=shorten(hit.text))


async def search(query: str | None, language: str, strict: bool = False) -> Any:
    """The knowledge layer's result for `query`, or None (not loaded, no query, search failed).
    `strict`: the higher bar for a message the NLU judged out of scope."""
    if not query:
        return None
    return (await search_all([query], language, strict=strict))[0]


async def search_all(queries: list[str], language: str, strict: bool = False) -> list[Any]:
    """The knowledge layer's results for several queries at once (one encoder pass); None for
    each when the knowledge layer is not loaded or the search failed."""
    # Searching embeds the queries (CPU-bound): off the event loop, so /health stays responsive.
    kb = await asyncio.to_thread(knowledge_base.served.wait, LOAD_WAIT_SECONDS)
    if kb is None or not queries:
        return [None] * len(queries)
    try:
        return await asyncio.to_thread(
            kb.search_many, queries, k=SEARCH_K, lang=language, strict=strict
        )
    except Exception:  # a broken search must still get the user an answer
        logger.exception("Knowledge search failed")
        return [None] * len(queries)


def tags_of(hit: Any) -> list[str]:
    """The tags of a hit's record (a FAQ entry's `tags`); [] for none or no hit."""
    return (getattr(hit, "extra", None) or {}).get("tags", [])


def best_hit(result: Any) -> Any | None:
    """The top hit when the knowledge layer found an answer, else None."""
    return result.hits[0] if result is not None and result.answerable and result.hits else None


# How many of the user's earlier messages a follow-up may lean on, and how many of them that got
# an answer are tried (each is one more search, about 20 ms of CPU).
CONTEXT_TURNS = 3
CONTEXT_QUESTIONS = 2
# A follow-up leans on context because it says little itself ("and the fee?", "syaratnya apa?");
# a longer message is searched as it stands, without paying for the extra searches.
FOLLOW_UP_MAX_WORDS = 8
# Where one message holds several acts ("actually never mind. when was ICDD?").
_CLAUSE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def earlier_questions(tracker: Tracker) -> list[str]:
    """The user's earlier messages that got an answer (not a fallback, not a button) among the
    last `CONTEXT_TURNS` messages, the latest first."""
    found: list[str] = []
    answered: bool | None = None  # the fallback flag of the replies after the message seen
    seen_current = False
    turns = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "bot":
            meta = duta_meta_of(event)
            if "fallback" in meta and answered is None:
                answered = not meta["fallback"]
        elif kind == "user":
            if not seen_current:  # the message being answered now
                seen_current, answered = True, None
                continue
            turns += 1
            text = (event.get("text") or "").strip()
            if answered and text and not text.startswith("/"):
                found.append(text)
            if turns >= CONTEXT_TURNS:
                break
            answered = None
    return found


def clauses(text: str) -> list[str]:
    """The sentences of a message with more than one; [] for a single one."""
    parts = [p.strip() for p in _CLAUSE_END.split(text) if len(p.split()) >= 2]
    return parts if len(parts) > 1 else []


def confidence_of(result: Any) -> float:
    return float((getattr(result, "signals", None) or {}).get("confidence", 0.0))


def earlier_topic(tracker: Tracker) -> str | None:
    """What Duta's latest answer among the last `CONTEXT_TURNS` messages was about: the question
    or title of the record it came from, or the event it described (`topic` in its meta). None
    when that answer has no topic (a mission card, the emergency reply): what came before it is
    no longer what the conversation is about."""
    turns = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        meta = duta_meta_of(event) if kind == "bot" else {}
        if meta.get("fallback") is False:
            return meta.get("topic")
        if kind == "user":
            turns += 1
            if turns > CONTEXT_TURNS:
                break
    return None


def with_earlier_questions(tracker: Tracker, query: str) -> list[str]:
    """A short message asked together with each of the user's last answered questions ("and the
    fee?" with "what is the e-VOA?"); [] for a longer one, which is searched as it stands."""
    if len(query.split()) > FOLLOW_UP_MAX_WORDS:
        return []
    return [f"{e} {query}" for e in earlier_questions(tracker)[:CONTEXT_QUESTIONS]]


def with_earlier_topic(tracker: Tracker, query: str) -> str | None:
    """A short message asked together with the topic of the latest answer, or None."""
    topic = earlier_topic(tracker)
    if topic is None or len(query.split()) > FOLLOW_UP_MAX_WORDS:
        return None
    return f"{topic} {query}"


async def search_in_context(
    tracker: Tracker,
    query: str | None,
    language: str,
    strict: bool = False,
    lean_on_earlier: bool = True,
) -> Any:
    """The knowledge layer's surest answer for `query`: as typed, each of its sentences when it
    has several (a greeting or "never mind" in front of a question), or, for a short message,
    asked together with one of the user's earlier answered questions (a follow-up leans on them:
    "and the fee?", "who opened it?", "itu di mana?"; a new question is surer alone)."""
    if not query or query.startswith("/"):
        return await search(query, language, strict=strict)
    candidates = clauses(query)
    if lean_on_earlier:
        candidates += with_earlier_questions(tracker, query)
    result, *others = await search_all([query, *candidates], language, strict=strict)
    for other in others:
        if best_hit(other) is None:
            continue
        if best_hit(result) is None or confidence_of(other) > confidence_of(result):
            result = other
    on_topic = with_earlier_topic(tracker, query) if lean_on_earlier else None
    if best_hit(result) is None and on_topic:
        # Nothing found with the user's words, alone or with their earlier questions: the
        # follow-up asked about what the latest answer was about ("where?" after an answer the
        # events list gave, "umroh" after the visa form's answer). Searched only then: most
        # follow-ups are answered without it.
        last_resort = await search(on_topic, language, strict=strict)
        if best_hit(last_resort) is not None:
            result = last_resort
    return result


# An entry leads the next record by this much when it answers the question itself, not only its
# topic: "do Indonesians need a visa for Japan?" leads; "visa" or "acara apa aja" ties several
# entries. Picked on dev sets: bench/entry_lead.py and the dev conversations (docs/benchmarks.md,
# "Entries before flows").
ENTRY_LEAD = 0.05


def lead_of(result: Any) -> float:
    signals = getattr(result, "signals", None) or {}
    return float(signals.get("confidence", 0.0)) - float(signals.get("runner_up", 0.0))


def leading_entry(result: Any, tracker: Tracker, flows_own: Collection[str]) -> Any | None:
    """The FAQ entry that answers the question itself, or None. Such an entry is the answer
    whatever flow the NLU picked (the visa form, the events list, the handoff): staff wrote it
    for this question, and a flow keeps the questions no entry answers.

    `flows_own`: the entries the flow itself answers from once it knows the case (the visa form
    quotes them, the events list describes their events); one of those is the answer only when
    it leads the next record by ENTRY_LEAD, another answerable entry always.

    Search the message without the questions before it (`lean_on_earlier=False`): "visa" after
    two questions about Safe Travel, searched with them, finds Safe Travel again, but the message
    asks for the flow. For the same reason the entry that answered last is no answer here."""
    hit = best_hit(result)
    if hit is None or hit.kind != "faq" or hit.doc_id == last_answered_record(tracker):
        return None
    if hit.faq_id in flows_own and lead_of(result) < ENTRY_LEAD:
        return None
    return hit


def nearby_buttons(result: Any, language: str, limit: int = 3) -> list[dict]:
    """The FAQ entries close to a declined question, as buttons that ask them."""
    hits = getattr(result, "nearby", None) or []
    titles = dict.fromkeys(h.title for h in hits if h.language == language and h.title)
    return [{"title": t, "payload": t} for t in list(titles)[:limit]]


def decline(
    dispatcher: CollectingDispatcher,
    result: Any,
    language: str,
    out_of_scope: bool,
    offer: list[dict] | None = None,
) -> None:
    """The honest "I don't know" (fallback true), with the nearest entries Duta does know and
    the `offer`ed buttons (a flow that may still help)."""
    if out_of_scope:
        dispatcher.utter_message(
            text=say("out_of_scope", language), json_message=duta_meta(fallback=True)
        )
        return
    buttons = nearby_buttons(result, language) + (offer or [])
    text = say("no_answer", language)
    if buttons:
        # One line break, not a blank line: Rasa splits a text at blank lines, and the buttons
        # belong with the whole reply.
        text = f"{text}\n{say('no_answer_nearby', language)}"
    dispatcher.utter_message(text=text, buttons=buttons, json_message=duta_meta(fallback=True))


def utter_hit(
    dispatcher: CollectingDispatcher,
    hit: Any,
    language: str,
    buttons: list[dict] | None = None,
    confidence: float | None = None,
) -> None:
    """The answer a hit holds, then its source (as a `custom.duta` message). The confidence and
    the record go along for the staff console (an answer given with low confidence is queued for
    review); the channels do not show them."""
    dispatcher.utter_message(text=answer_text(hit, language), buttons=buttons or [])
    meta = duta_meta([source_of(hit)], topic=hit.title)
    meta["duta"]["doc_id"] = hit.doc_id
    if confidence is not None:
        meta["duta"]["confidence"] = round(confidence, 4)
    dispatcher.utter_message(json_message=meta)


# The entry that holds Kemlu's hotline, and the tag of the entries that give it themselves.
HOTLINE_ENTRY = "citizen-hotline-kemlu"
HOTLINE_TAG = "hotline"


def utter_hotline(dispatcher: CollectingDispatcher, language: str, topic: str | None) -> None:
    """Kemlu's hotline, quoted from its entry with the entry's dated source. `topic`: the answer
    it follows, which a follow-up still leans on."""
    from actions import content  # content loads the FAQ files: only when needed

    entry = content.faq(HOTLINE_ENTRY)
    text = entry.answers.get(language) or entry.answers["en"]
    dispatcher.utter_message(
        text=text, json_message=duta_meta([content.faq_source(entry)], topic=topic)
    )


async def utter_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    result: Any,
    language: str,
    buttons: list[dict] | None = None,
) -> None:
    """The answer of the result's best hit (`utter_hit`), and for an entry about contacting a
    mission the card of the mission serving the place the user named (or the channel's own)."""
    hit = result.hits[0]
    utter_hit(dispatcher, hit, language, buttons, confidence_of(result))
    tags = tags_of(hit)
    if (
        missions.CARD_TAG in tags
        and HOTLINE_TAG not in tags
        and missions.says_trouble(tracker.latest_message or {})
    ):
        # Trouble named ("paspor saya dicuri"): the entry says what to do; who to call now,
        # day or night, comes with it (issue 18: an emergency's first reply has the hotline).
        utter_hotline(dispatcher, language, topic=hit.title)
    if missions.CARD_TAG in tags:
        found = await missions.resolve_for(tracker)
        if found is not None:
            missions.utter_card(dispatcher, found, language)


# A short message that names trouble is a cry for help ("tolong paspor anak sy dicopet di
# amsterdam"); a longer one asks something specific about it ("how long does an emergency travel
# document take?"), which the knowledge layer answers or declines, naming the hotline. Picked on
# the dev sets (docs/benchmarks.md, "Session 14"): at 8 words, two more dev conversations pass and
# near-domain dev declines as many; with no limit, 3 pass and 8 fewer are declined. A longer one
# that names the place of the trouble is someone in trouble there, telling what happened ("I lost
# my passport somewhere in Reykjavik and my flight is tomorrow"): session 15, 4 more of the 243
# dev conversations pass, 5 fewer of the 330 near-domain dev questions are declined.
CRY_MAX_WORDS = 8


def cries_for_help(message: dict[str, Any], names_place: bool = False) -> bool:
    """A message naming trouble that asks for no one fact ("denda paspor hilang berapa?" asks
    for a fee), short or naming where it happened (`names_place`)."""
    text = message.get("text") or ""
    if len(text.split()) > CRY_MAX_WORDS and not names_place:
        return False
    return not is_precise(message.get("entities") or []) and missions.says_trouble(message)


class ActionAnswerFromKnowledge(Action):
    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        message = tracker.latest_message or {}
        place_words = missions.place_words(message)
        if missions.asked_where(tracker):
            # "Osaka" after "which city or country are you in?": that place's mission.
            found = await missions.resolve(place_words)
            if found is not None:
                missions.utter_card(dispatcher, found, language)
                return []
        intent = (message.get("intent") or {}).get("name")
        topic = next(tracker.get_latest_entity_values("topic"), None)
        query = search_query(message.get("text"), intent, topic, language)
        out_of_scope = intent == "out_of_scope"
        if out_of_scope and (found := await missions.resolve(place_words)) is not None:
            if missions.emergency_share(message) >= missions.EMERGENCY_RUNNER_UP:
                # Trouble in a named place the classifier took for small talk.
                missions.utter_emergency(dispatcher, found, language)
                return []
            if missions.in_emergency(tracker):
                # "Peru. Her last story was from Cusco", during an emergency: where it is.
                missions.utter_card(dispatcher, found, language)
                return []
        result = await search_in_context(tracker, query, language, strict=out_of_scope)
        if best_hit(result) is None:
            found = None if out_of_scope else await missions.resolve(place_words)
            if missions.in_emergency(tracker):
                if found is not None:
                    # "di johor bahru katanya" after an arrest: where the trouble is, as above.
                    missions.utter_card(dispatcher, found, language)
                else:
                    # "kjri nya buka hari sabtu?", "nomor darurat nya yg mana": what no entry
                    # answers in the middle of an emergency, the people who can, again.
                    found = await missions.resolve_for(tracker)
                    missions.utter_emergency(dispatcher, found, language)
                return []
            if not out_of_scope and cries_for_help(message, names_place=found is not None):
                # "paspor sy ilang di tokyo gmn nih", taken for a passport question that no entry
                # answers: what to do now, not an apology.
                found = found or await missions.resolve_for(tracker)
                missions.utter_emergency(dispatcher, found, language)
                return []
            decline(dispatcher, result, language, out_of_scope)
            if found is not None:
                # Who to ask there, when the question names a place ("paspor anak sy dicopet di
                # amsterdam" declined is still someone in Amsterdam who needs KBRI Den Haag).
                missions.utter_card(dispatcher, found, language)
            return []
        await utter_answer(
            dispatcher, tracker, result, language, follow_up_buttons(intent, topic, language)
        )
        return []


class ActionHandoff(Action):
    """ "Can I talk to a person?": no officer can take over, so where to find one
    (`utter_handoff`); but an entry staff wrote for the question is the answer (a complaints
    procedure, say)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        text = (tracker.latest_message or {}).get("text")
        result = None
        if text and not text.startswith("/"):
            result = await search_in_context(tracker, text, language, lean_on_earlier=False)
        # The handoff text is built from no entry: any entry that answers is the answer.
        if leading_entry(result, tracker, flows_own=()) is None:
            dispatcher.utter_message(response="utter_handoff")
        else:
            await utter_answer(dispatcher, tracker, result, language)
        return []


def last_answered_record(tracker: Tracker) -> str | None:
    """The record (`doc_id`) of Duta's latest knowledge answer in the conversation, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and (doc_id := duta_meta_of(event).get("doc_id")):
            return str(doc_id)
    return None


class ActionHelp(Action):
    """The menu, unless the message leans on what was just answered ("biayanya brp?" after the
    e-VOA): the NLU takes some short follow-ups for a request for help. Such a follow-up is
    answered when, asked together with an earlier question, it finds an answer the conversation
    has not had yet; "menu" with an earlier question finds only that question's answer again."""

    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        text = (tracker.latest_message or {}).get("text") or ""
        queries = [] if text.startswith("/") else with_earlier_questions(tracker, text)
        if queries:
            results = await search_all(queries, language)
            answered = [r for r in results if best_hit(r) is not None]
            if answered:
                result = max(answered, key=confidence_of)
                if best_hit(result).doc_id != last_answered_record(tracker):
                    await utter_answer(dispatcher, tracker, result, language)
                    return []
        dispatcher.utter_message(response="utter_help")
        return []

"""Visa help. A precise question ("how much is the e-VOA?", "bisa diperpanjang?") is answered
straight from the visa FAQs (`action_visa_entry`); anything else opens the visa form: who travels
where, why, and (for visitors) ASEAN or not, then a dated answer quoted from content/faq with
the official link and its sources.

Slots are read from button entities or from the typed words Rasa's NLU found
(training_data/visa_terms.yml), and a precise question by its words too
(training_data/visa_questions.yml). Typed words are read only when the turn is an answer (inform,
yes/no, low confidence, the opening visa question); any other intent is a digression, which the
form rejects so the rules can answer it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from functools import cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import content, held
from actions.answer import (
    ActionAnswerFromKnowledge,
    best_hit,
    decline,
    leading_entry,
    search_in_context,
    tags_of,
    utter_answer,
)
from actions.language import DEFAULT_LANGUAGE, normalise
from actions.meta import duta_meta, messages_before
from actions.nlu_words import Entity, found, is_precise, typed
from actions.texts import TEXTS, say

VISA_SLOTS = ("visa_direction", "visa_purpose", "visa_nationality")
VALUES = {
    "visa_direction": ("to_indonesia", "abroad"),
    "visa_purpose": ("tourism", "business", "other"),
    "visa_nationality": ("asean", "other"),
}
SHORT_ANSWER_WORDS = 3
ANSWER_INTENTS = {"inform", "affirm", "deny", "ask_visa", "nlu_fallback", "correct"}
# Typed answers: the NLU's entities from training_data/visa_terms.yml (nlu/lookup_entities.py),
# named visa_<slot>_<value> ("jerman" is visa_nationality_other), and the words that say whose
# citizen someone is (actions/nlu_words.py: only that extractor's count).
TYPED = {f"{slot}_{value}": (slot, value) for slot, values in VALUES.items() for value in values}
CITIZEN_WORD = "visa_citizen_word"


def named_values(entities: Iterable[Entity]) -> dict[str, set[str]]:
    """The values the typed words name, per slot. An entity inside a longer one for the same
    slot is part of it: "asean" in "bukan negara asean" names no value of its own."""
    spans = [
        (*TYPED[e["entity"]], e["start"], e["end"])
        for e in typed(entities)
        if e.get("entity") in TYPED
    ]
    named: dict[str, set[str]] = {slot: set() for slot in VISA_SLOTS}
    for slot, value, start, end in spans:
        inside = any(
            other == slot
            and (outer_start, outer_end) != (start, end)
            and outer_start <= start
            and end <= outer_end
            for other, _, outer_start, outer_end in spans
        )
        if not inside:
            named[slot].add(value)
    return named


def read_answers(entities: Iterable[Entity]) -> dict[str, str | None]:
    """Each slot's answer in a typed message: the one value its words name, or None when they
    name none or several (the form asks again)."""
    entities = list(entities)
    named = named_values(entities)
    answers = {
        slot: next(iter(values)) if len(values) == 1 else None for slot, values in named.items()
    }
    # "saya orang jerman", "I'm from Malaysia": a foreign nationality means a foreign visitor.
    citizen = bool(found(entities, CITIZEN_WORD))
    if not named["visa_direction"] and citizen and answers["visa_nationality"] is not None:
        answers["visa_direction"] = "to_indonesia"
    return answers


def _language(tracker: Tracker) -> str:
    return normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE


class ValidateVisaForm(FormValidationAction):
    def name(self) -> str:
        return "validate_visa_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Purpose and nationality decide a visitor's visa; for Indonesians going abroad the
        # destination country decides, so there is nothing more to ask.
        if tracker.get_slot("visa_direction") == "abroad":
            return ["visa_direction"]
        return domain_slots

    def _extract(
        self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        requested = tracker.get_slot("requested_slot") == slot
        if tracker.get_slot(slot) is not None and not requested:
            return {}  # answered earlier; only the question being asked may change it
        value = next(tracker.get_latest_entity_values(slot), None)
        intent = (message.get("intent") or {}).get("name")
        text = message.get("text") or ""
        # A short reply with an answer in it answers the question just asked, whatever
        # intent the NLU gave it ("coming to Indonesia", "Germany"); a longer one or a question
        # ("KBRI malaysia dimana?") is a digression.
        short_answer = requested and len(text.split()) <= SHORT_ANSWER_WORDS and "?" not in text
        readable = intent in ANSWER_INTENTS or short_answer
        if value is None and readable and not text.startswith("/"):
            value = read_answers(message.get("entities") or [])[slot]
        if value is not None:
            return {slot: value}
        if requested and intent in ANSWER_INTENTS:
            # An answer we could not read: say so; the form then asks again (with buttons).
            dispatcher.utter_message(text=say("visa_not_understood", _language(tracker)))
            return {slot: None}
        return {}

    async def extract_visa_direction(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract("visa_direction", dispatcher, tracker)

    async def extract_visa_purpose(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract("visa_purpose", dispatcher, tracker)

    async def extract_visa_nationality(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._extract("visa_nationality", dispatcher, tracker)

    # Button payloads can be typed by hand: keep only the values the answer logic knows.
    def validate_visa_direction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"visa_direction": value if value in VALUES["visa_direction"] else None}

    def validate_visa_purpose(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"visa_purpose": value if value in VALUES["visa_purpose"] else None}

    def validate_visa_nationality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"visa_nationality": value if value in VALUES["visa_nationality"] else None}


class ActionVisaEntry(Action):
    """First step of every visa question: answer a precise one from the visa FAQs, or leave
    `visa_precise` false so the rules open the form."""

    def name(self) -> str:
        return "action_visa_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = _language(tracker)
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        # A button, or a typed "yes" to "continue with your visa question?": no question to answer.
        if text.startswith("/") or (message.get("intent") or {}).get("name") == "affirm":
            return [SlotSet("visa_precise", False)]
        entities = message.get("entities") or []
        case = read_answers(entities)
        says_case = any(case.values())
        # A direction alone ("is there a retirement visa for foreigners?") leaves open what the
        # form will answer; a purpose or a nationality is the form's to answer.
        narrowed = bool(case["visa_purpose"] or case["visa_nationality"])
        result = await search_in_context(tracker, text, language, lean_on_earlier=False)
        own = FORM_ENTRIES
        top = best_hit(result)
        if top is not None and (
            (says_case and "visa" not in tags_of(top)) or len(text.split()) <= 2
        ):
            # The form answers the case the user gave ("sy WNI mau liburan ke jepang": not a
            # trip-report entry, though a visa entry staff wrote for it is still the answer) and
            # narrows down a bare "visa": such an entry must lead to be the answer instead.
            own = own | {top.faq_id}
        if leading_entry(result, tracker, own) is None:
            # A precise question ("and the fee?") needs no lead over the other visa entries, and
            # may lean on the question before: the form would only ask for what it narrows down.
            if not is_precise(entities):
                if not narrowed and await asks_another_visa(text):
                    decline(
                        dispatcher,
                        result,
                        language,
                        out_of_scope=False,
                        offer=[{"title": say("visa_helper", language), "payload": "/ask_visa"}],
                    )
                    return [SlotSet("visa_precise", True)]
                return [SlotSet("visa_precise", False)]
            result = await search_in_context(tracker, text, language)
            hit = best_hit(result)
            if (
                result is not None
                and hit is None
                and (not says_case or case["visa_purpose"] == "other")
            ):
                # One visa fact no entry holds ("the fee of the second home visa"): the form
                # would end in another visa's answer. The case the user gave (a nationality, a
                # purpose) is the form's to answer, but for a purpose other than a visit
                # ("golden visa", "digital nomad") the form has no facts to give either.
                decline(dispatcher, result, language, out_of_scope=False)
                return [SlotSet("visa_precise", True)]
            if hit is None or not (hit.faq_id or "").startswith("visa-"):
                return [SlotSet("visa_precise", False)]
        await utter_answer(dispatcher, tracker, result, language)
        return [SlotSet("visa_precise", True)]


# "visa", "visa dong", "need a visa": a bare request is the form's to narrow down.
VISA_BARE_WORDS = 3


async def asks_another_visa(text: str) -> bool:
    """Whether a visa question that gives no case (direction, purpose, nationality) asks about
    something the form's answers do not hold ("do yacht crews need a permit?", "how many
    tourists came on an e-VOA?"): the form would end in another visa's answer."""
    if len(text.split()) <= VISA_BARE_WORDS:
        return False
    return await held.asks_beyond(text, "ask_visa", form_words())


@cache
def form_words() -> tuple[str, ...]:
    """All that the visa form says and quotes, in both languages."""
    said = [
        text for key, texts in TEXTS.items() if key.startswith("visa_") for text in texts.values()
    ]
    quoted = [answer for faq_id in FORM_ENTRIES for answer in content.faq(faq_id).answers.values()]
    return tuple(said + quoted)


def answer_plan(
    direction: str | None, purpose: str | None, nationality: str | None
) -> tuple[str | None, list[str]]:
    """(intro text key, FAQ ids to quote) for the form's answers."""
    if direction == "abroad":
        return None, ["visa-indonesians-going-abroad"]
    if purpose == "tourism":
        if nationality == "asean":
            return "visa_intro_tourism_asean", ["visa-asean-visa-free"]
        return "visa_intro_tourism_other", ["visa-foreign-visitor-options"]
    # The content has dated facts for tourist visits only: no guessing about other visas.
    return "visa_other_purpose", ["visa-official-evisa-site"]


# The entries the form's answers quote: a question they answer is the form's to ask about first.
FORM_ENTRIES = frozenset(
    faq_id
    for direction in VALUES["visa_direction"]
    for purpose in VALUES["visa_purpose"]
    for nationality in VALUES["visa_nationality"]
    for faq_id in answer_plan(direction, purpose, nationality)[1]
)


def utter_visa_case(
    dispatcher: CollectingDispatcher, case: tuple[str | None, ...], language: str
) -> list[dict[str, Any]]:
    """The dated answer for a visa case (direction, purpose, nationality); the case is kept in
    `visa_case` for a correction, and the form's slots are cleared so the next visa question
    starts afresh."""
    intro, faq_ids = answer_plan(*case)
    entries = [content.faq(faq_id) for faq_id in faq_ids]
    parts = ([say(intro, language)] if intro else []) + [e.answers[language] for e in entries]
    # One message: Rasa's REST channel splits a text at blank lines.
    dispatcher.utter_message(text="\n".join(parts))
    # What it is about, for a follow-up ("and the fee?"): the question of the entry quoted last
    # (the answer proper; an intro may come before it).
    questions = (entries[-1].questions.get(language) or ()) if entries else ()
    topic = questions[0] if questions else None
    dispatcher.utter_message(
        json_message=duta_meta([content.faq_source(e) for e in entries], topic=topic)
    )
    kept = "|".join(value or "" for value in case)
    return [SlotSet("visa_case", kept)] + [SlotSet(slot, None) for slot in VISA_SLOTS]


class ActionVisaAnswer(Action):
    def name(self) -> str:
        return "action_visa_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        case = tuple(tracker.get_slot(slot) for slot in VISA_SLOTS)
        return utter_visa_case(dispatcher, case, _language(tracker))


_NEGATED = re.compile(r"\b(not|bukan|instead of)\s+(from\s+|dari\s+|a\s+|an\s+)?\w+", re.I)


def corrected_case(
    kept: str | None, text: str, entities: Iterable[Entity]
) -> tuple[str | None, ...] | None:
    """The kept visa case with what the correction says instead, or None when there is no case
    or the text changes none of it. A nationality given after an Indonesian's case turns it
    around ("I'm Thai, not Indonesian"): a visitor after all, unless the text says otherwise."""
    if not kept:
        return None
    old = tuple(part or None for part in kept.split("|"))
    if len(old) != len(VISA_SLOTS):
        return None
    # "I'm Indian, not Singaporean", "bukan liburan, tapi kerja": the negated value is wrong.
    negated = [m.span() for m in _NEGATED.finditer(text)]
    meant = [
        e for e in typed(entities) if not any(s < e["end"] and e["start"] < t for s, t in negated)
    ]
    said = read_answers(meant)
    new = tuple(said[slot] or value for slot, value in zip(VISA_SLOTS, old, strict=True))
    if new == old:
        return None
    direction, purpose, nationality = new
    if said["visa_direction"] is None and said["visa_nationality"] and direction == "abroad":
        direction = "to_indonesia"  # "I'm Thai, not Indonesian": a visitor after all
    return direction, purpose, nationality


class ActionCorrect(Action):
    """ "bukan, maksud saya kerja 2 tahun", "sorry, I meant I'm Indian": the last visa case
    answered again with the corrected value; any other correction is asked as a question."""

    def name(self) -> str:
        return "action_correct"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        case = corrected_case(tracker.get_slot("visa_case"), text, message.get("entities") or [])
        if case is not None:
            return utter_visa_case(dispatcher, case, _language(tracker))
        question = corrected_question(previous_message(tracker), text)
        if question is not None:
            result = await search_in_context(tracker, question, _language(tracker))
            if best_hit(result) is not None:
                await utter_answer(dispatcher, tracker, result, _language(tracker))
                return []
        return await ActionAnswerFromKnowledge().run(dispatcher, tracker, domain)


def previous_message(tracker: Tracker) -> str | None:
    """The user's message before this one (typed, not a button)."""
    return next((t for t in messages_before(tracker) if t and not t.startswith("/")), None)


def corrected_question(previous: str | None, text: str) -> str | None:
    """The question before, asked again with the correction: "bukan hilang, cuma mau perpanjang"
    after "paspor sy hilang di dubai" asks "paspor sy di dubai ... cuma mau perpanjang"; None when
    the correction negates nothing or there is no question before."""
    negated = {m.group(0).split()[-1].casefold() for m in _NEGATED.finditer(text)}
    if not previous or not negated:
        return None
    kept = [w for w in previous.split() if w.casefold().strip(".,!?") not in negated]
    return " ".join([*kept, *_NEGATED.sub(" ", text).split()])


class AskVisaSlot(Action, ABC):
    """The form's question for one slot, with a button per value. A custom action rather than
    utter_ask_* so that `rasa data validate` (which ignores forms) sees nothing unused."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this question fills."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = _language(tracker)
        buttons = [
            {
                "title": say(f"{self.slot}_{value}", language),
                "payload": f'/inform{{"{self.slot}": "{value}"}}',
            }
            for value in VALUES[self.slot]
        ]
        # The way out, visible at every question of the form (not only named in the first).
        buttons.append({"title": say("button_cancel_form", language), "payload": "/cancel"})
        dispatcher.utter_message(text=say(f"ask_{self.slot}", language), buttons=buttons)
        return []


class ActionAskVisaDirection(AskVisaSlot):
    slot = "visa_direction"


class ActionAskVisaPurpose(AskVisaSlot):
    slot = "visa_purpose"


class ActionAskVisaNationality(AskVisaSlot):
    slot = "visa_nationality"


class ActionResetVisa(Action):
    """Leaves the visa form (cancel, emergency, goodbye) and forgets its answers."""

    def name(self) -> str:
        return "action_reset_visa"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [
            SlotSet(slot, None) for slot in VISA_SLOTS
        ]

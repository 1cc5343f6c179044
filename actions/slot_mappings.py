"""`action_validate_slot_mappings`: Rasa runs it after every user message (action_extract_slots),
which is what keeps the `language` slot following the user turn by turn.

It also tells the gateway that language in a `custom.duta` message, the first of each reply, so
the gateway does not read the tracker back after every turn (that read cost Rasa a sixth of its
time under load)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.language import DEFAULT_LANGUAGE, normalise, requested_switch, resolve_language
from actions.meta import duta_meta_of, language_meta
from knowledge.language import detect_language


def standing_choice(tracker: Tracker) -> str | None:
    """The language the user last asked for in words in this conversation ("answer in English"):
    it holds until they ask for another, also where the channel does not keep the choice."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        meta = duta_meta_of(event)
        if meta.get("language_chosen"):
            return normalise(meta.get("language"))
    return None


class ValidateSlotMappings(ValidationAction):
    """Custom extraction of global slots (those not tied to a form)."""

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        message = tracker.latest_message or {}
        metadata = message.get("metadata") or {}
        text = message.get("text")
        intent = (message.get("intent") or {}).get("name")
        entities = message.get("entities") or []
        previous = tracker.get_slot("language")
        language = resolve_language(
            text=text,
            intent=intent,
            entities=entities,
            hint=metadata.get("language"),
            choice=metadata.get("language_choice") or standing_choice(tracker),
            previous=previous,
            detect=detect_language,
        )
        # Asked for in words ("answer in English please"): the channels keep it as the choice.
        switched = requested_switch(text or "", intent, entities, normalise(previous)) is not None
        dispatcher.utter_message(json_message=language_meta(language, chosen=switched))
        return {"language": language}

    def validate_language(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"language": normalise(slot_value) or DEFAULT_LANGUAGE}

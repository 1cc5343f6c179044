"""Our `action_default_fallback` (overrides Rasa's): runs when the dialogue policies are unsure
(RulePolicy core_fallback_threshold). Says so in the user's language, marked as fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.language import DEFAULT_LANGUAGE, normalise
from actions.meta import duta_meta
from actions.texts import say


class ActionDefaultFallback(Action):
    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        dispatcher.utter_message(
            text=say("didnt_understand", language), json_message=duta_meta(fallback=True)
        )
        # Like Rasa's own default fallback: forget the turn so it does not skew later predictions.
        return [UserUtteranceReverted()]

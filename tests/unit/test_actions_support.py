"""Helpers for the actions tests (no tests here): trackers and a dispatcher's output."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str | None = "halo",
    intent: str | None = "greet",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest user message is `text`, as Rasa sends it to the action server."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker(
        sender_id="test-user",
        slots={"language": "id", "requested_slot": None, **(slots or {})},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 0}


def typed(text: str, **words: str) -> list[dict[str, Any]]:
    """The entities the NLU's LookupEntityExtractor gives `text`, written out for the actions:
    typed("saya orang jerman", visa_citizen_word="orang", visa_nationality_other="jerman").
    Several words of one entity: "a|b". What the real NLU extracts is tested against the model
    (tests/integration/test_visa_reading.py)."""
    found = []
    for name, spans in words.items():
        for span in spans.split("|"):
            start = text.lower().index(span.lower())
            found.append(
                {
                    "entity": name,
                    "start": start,
                    "end": start + len(span),
                    "value": text[start : start + len(span)],
                    "extractor": "LookupEntityExtractor",
                }
            )
    return found


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def duta(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The one custom.duta message the actions attach."""
    customs = [m["custom"]["duta"] for m in dispatcher.messages if m.get("custom")]
    assert len(customs) == 1, dispatcher.messages
    return customs[0]


class SearchesOneByOne:
    """`kb.search_many` for a fake knowledge base that answers one query at a time."""

    def search_many(
        self, queries: list[str], k: int = 5, lang: str | None = None, strict: bool = False
    ) -> list[Any]:
        return [self.search(q, k, lang, strict) for q in queries]  # type: ignore[attr-defined]

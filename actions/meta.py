"""`custom.duta` messages (docs/architecture.md). After an answer: its sources and whether it is a
fallback (no answer found); the gateway merges it into the text before it. First on every turn:
the conversation's language, which the gateway replies in."""

from __future__ import annotations

from typing import Any


def duta_meta(
    sources: list[dict[str, Any]] | None = None, fallback: bool = False, topic: str | None = None
) -> dict:
    """`topic`: what an answer is about (a record's question or title, an event's name), which a
    follow-up leans on (actions/answer.py: `earlier_topic`); the channels do not show it."""
    meta: dict[str, Any] = {"sources": list(sources or []), "fallback": fallback}
    if topic:
        meta["topic"] = topic
    return {"duta": meta}


def language_meta(language: str, chosen: bool = False) -> dict:
    """`chosen`: the user asked for this language in words; the channels keep it as their choice."""
    meta: dict = {"language": language}
    if chosen:
        meta["language_chosen"] = True
    return {"duta": meta}


def duta_meta_of(event: dict[str, Any]) -> dict[str, Any]:
    """The `custom.duta` of a tracker's bot event ({} for another event or none)."""
    return ((event.get("data") or {}).get("custom") or {}).get("duta") or {}


def messages_before(tracker: Any) -> list[str]:
    """The user's messages before the one being answered, the latest first (buttons' payloads
    included, as sent)."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return list(reversed(said[:-1]))

"""Which language (id/en) a user turn is in.

Order, per docs/architecture.md: an explicit switch request; else the user's standing choice
(Telegram's /lang), which holds until they ask for another; else the language of the text itself;
else the channel's hint (Telegram language_code, the widget page's lang); else the previous turn's
language; else Indonesian.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
SWITCH_INTENT = "change_language"

# "/lang en" typed in Telegram or sent by a button; `/intent{...}` payloads are other commands.
_LANG_COMMAND = re.compile(r"^/lang\s+(id|en)\b", re.IGNORECASE)
_TARGET_WORDS = {
    "en": re.compile(r"\b(inggris|english|eng|en)\b", re.IGNORECASE),
    "id": re.compile(r"\b(indonesia|indonesian|indo|id)\b", re.IGNORECASE),
}

Detector = Callable[[str], "str | None"]


def normalise(value: Any) -> str | None:
    """'id'/'en' for a known language code, else None."""
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return value.strip().lower()
    return None


def requested_switch(
    text: str, intent: str | None, entities: Iterable[Mapping[str, Any]], previous: str | None
) -> str | None:
    """The language the user explicitly asked for, or None if this turn is no switch request."""
    command = _LANG_COMMAND.match(text.strip())
    if command:
        return command.group(1).lower()
    if intent != SWITCH_INTENT:
        return switch_in_front(text, entities)
    for entity in entities:
        if entity.get("entity") == "language" and normalise(entity.get("value")):
            return normalise(entity.get("value"))
    # "pakai bahasa Inggris" names the target; the word "bahasa" alone must not count as Indonesian.
    mentioned = [lang for lang, words in _TARGET_WORDS.items() if words.search(text)]
    if len(mentioned) == 1:
        return mentioned[0]
    # "ganti bahasa" / "change language" without a target: toggle.
    return "en" if (normalise(previous) or DEFAULT_LANGUAGE) == "id" else "id"


# The parts of a message ("jawab pakai bahasa inggris ya: gimana cara lapor diri?").
_PART_END = re.compile(r"[,.!?;:\n]")


def switch_in_front(text: str, entities: Iterable[Mapping[str, Any]]) -> str | None:
    """The language a message asks for beside a question of another intent: "jawab pakai
    bahasa inggris ya: gimana cara lapor diri di peduli wni?", "in English please: siapa yang
    buka ICDD?". The language the NLU found must stand in a part of the message that asks
    nothing (no "?"), beside another part: "is ICDD held in English?" asks about a language."""
    ends = [m.start() for m in _PART_END.finditer(text)]
    for entity in entities:
        language = normalise(entity.get("value")) if entity.get("entity") == "language" else None
        start = entity.get("start")
        if language is None or not isinstance(start, int):
            continue
        # The part holding the entity: from the end before it to the end after it.
        before = max((e for e in ends if e < start), default=-1)
        after = min((e for e in ends if e >= start), default=len(text))
        rest = (text[: before + 1] + text[after + 1 :]).strip(" ,.!?;:\n")
        if text[after : after + 1] != "?" and len(rest.split()) >= 2:
            return language
    return None


def resolve_language(
    text: str | None,
    intent: str | None,
    entities: Iterable[Mapping[str, Any]],
    hint: Any,
    previous: Any,
    detect: Detector,
    choice: Any = None,
) -> str:
    """The language to answer this turn in."""
    text = text or ""
    switch = requested_switch(text, intent, entities, normalise(previous))
    if switch:
        return switch
    if chosen := normalise(choice):
        return chosen
    # Button payloads ("/ask_visa") carry no evidence of the user's language.
    detected = None if text.startswith("/") else normalise(detect(text))
    return detected or normalise(hint) or normalise(previous) or DEFAULT_LANGUAGE

"""Rasa's REST channel output → Duta's channel-neutral reply (the /api/chat contract).

Rasa's REST output is a list of messages, each with `text` (and maybe `buttons`), or `custom`,
`image`, `attachment`. Actions attach their metadata as a separate `custom` message right after
the text: `{"custom": {"duta": {"sources": [...], "fallback": bool}}}` (docs/architecture.md).
That message is merged into the text message before it; a knowledge answer's may also carry
`confidence` (the knowledge layer's) and `doc_id` (the record it came from), which only the
staff console reads. Every turn starts with
`{"custom": {"duta": {"language": "id" | "en"}}}`: the conversation's language (its slot).
Channels (the JSON API, Telegram, the widget) format a `Reply`; none reads Rasa's output directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.i18n import Language, as_language, text


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None
    date: str | None
    # For a page that shows no date: the day it was read. Channels show it as such ("read ..."),
    # never as a publication date; the JSON carries it only when set.
    accessed: str | None = None


@dataclass
class Message:
    text: str
    buttons: list[Button] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


@dataclass
class Reply:
    language: Language
    fallback: bool
    messages: list[Message]
    # Set when the user asked for this language in words ("answer in English please"): their
    # choice from now on, which the channels keep and send back (lang_choice / language_choice).
    language_choice: Language | None = None
    # An answer the user can rate (thumbs up/down): its id in the console's store, set by the
    # channel once the answer is kept (admin/console/ratings.py). Sent only when set.
    answer_id: str | None = None
    # From the actions' custom.duta, for the console only (never sent to the user): the knowledge
    # layer's confidence in the answer and the record it came from.
    confidence: float | None = None
    ref: str | None = None

    def is_answer(self) -> bool:
        """An answer from Duta's knowledge (it cites its sources), which the user may rate."""
        return not self.fallback and any(m.sources for m in self.messages)

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        for internal in ("confidence", "ref"):
            del body[internal]
        for optional in ("language_choice", "answer_id"):
            if body[optional] is None:
                del body[optional]
        for message in body["messages"]:
            for source in message["sources"]:
                if source["accessed"] is None:
                    del source["accessed"]
        return body


def apology(key: str, language: Language) -> Reply:
    """A reply made by the gateway itself when the assistant could not answer."""
    return Reply(language, fallback=True, messages=[Message(text(key, language))])


def render_rasa_output(output: Iterable[Any], language: Language) -> Reply:
    """Merge Rasa's messages into a `Reply`, in the language the last `custom.duta` names, else in
    `language` (the gateway's guess).

    `fallback` is true when any `custom.duta` says so, or when Rasa produced no text at all: that
    happens when an action failed (Rasa's REST channel then answers 200 with an empty list), most
    likely because the action server is down, and the user then gets an apology.
    """
    messages: list[Message] = []
    fallback = False
    choice: Language | None = None
    confidence: float | None = None
    ref: str | None = None
    pending_sources: list[Source] = []  # from a custom.duta that came before any text
    for raw in output:
        if not isinstance(raw, dict):
            continue
        body = raw.get("text")
        if isinstance(body, str) and body.strip():
            messages.append(Message(body, _buttons(raw.get("buttons")), pending_sources))
            pending_sources = []
        duta = _duta_metadata(raw)
        if duta is not None:
            language = as_language(duta.get("language")) or language
            if duta.get("language_chosen") is True:
                choice = language
            fallback = fallback or duta.get("fallback") is True
            score = duta.get("confidence")
            if isinstance(score, int | float) and not isinstance(score, bool):
                # Several answers in one reply: the least sure one decides.
                confidence = float(score) if confidence is None else min(confidence, score)
            ref = _optional_str(duta.get("doc_id")) or ref
            target = messages[-1].sources if messages else pending_sources
            target.extend(s for s in _sources(duta.get("sources")) if s not in target)
    if not messages:
        return apology("no_answer", language)
    return Reply(language, fallback, messages, choice, confidence=confidence, ref=ref)


def _duta_metadata(raw: dict[str, Any]) -> dict[str, Any] | None:
    custom = raw.get("custom")
    duta = custom.get("duta") if isinstance(custom, dict) else None
    return duta if isinstance(duta, dict) else None


def _buttons(raw: object) -> list[Button]:
    if not isinstance(raw, list):
        return []
    return [
        Button(b["title"], b["payload"])
        for b in raw
        if isinstance(b, dict)
        and isinstance(b.get("title"), str)
        and isinstance(b.get("payload"), str)
    ]


def _sources(raw: object) -> list[Source]:
    if not isinstance(raw, list):
        return []
    sources = []
    for s in raw:
        if not (isinstance(s, dict) and isinstance(s.get("title"), str) and s["title"].strip()):
            continue
        date = _optional_str(s.get("date"))
        accessed = None if date else _optional_str(s.get("accessed"))
        sources.append(Source(s["title"], _optional_str(s.get("url")), date, accessed))
    return sources


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

"""The console's test chat (docs/console.md, "Test chat"): which path answered a question, and why.

A question goes through Rasa exactly as a user's would (RasaClient.send, as admin/console/dry_run.py
does after a publish), in a throwaway conversation of the console session's own (`console-try:`
and a random id). The reply is rendered as the channels render it; the path is read from the
reply's `custom.duta` (a knowledge answer names its record, `doc_id`, and its `confidence`) and
from Rasa's tracker of that conversation: the intent the NLU gave the message, with its
confidence, and the actions that ran after it. Nothing of it is recorded in the unanswered queue
or the ratings (only the chat handlers record, and this does not go through them). The
conversation is erased on "new test chat", on logout, after an hour unused, and when the gateway
stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import secrets
import time
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from admin.console.ratings import LOW_CONFIDENCE_BAR
from bot.i18n import Language, has_text, text
from bot.rasa_client import UpstreamError
from bot.render import Reply, render_rasa_output
from knowledge.answerability import Thresholds

SENDER_PREFIX = "console-try:"
IDLE_SECONDS = 3600.0  # a test conversation unused this long is erased
MAX_TURNS_SHOWN = 30  # the page shows the last turns; the conversation itself goes on

# What Rasa runs around every turn, which says nothing about the path.
_HOUSEKEEPING = frozenset(
    {
        "action_listen",
        "action_session_start",
        "action_extract_slots",
        "action_validate_slot_mappings",
        "action_deactivate_loop",
        "action_reset_visa",
        "utter_visa_resume_offer",
    }
)
# The flows, by the actions that run them (domain.yml, training_data/rules.yml).
_FLOWS = {
    "action_visa_entry": "visa_form",
    "visa_form": "visa_form",
    "action_visa_answer": "visa_form",
    "action_events": "events",
    "action_handoff": "handoff",
    "action_emergency": "emergency",
    "action_mission_card": "mission_card",
    "action_correct": "correction",
    "utter_help": "menu",
    "action_help": "menu",
    "action_default_fallback": "not_understood",
}
# These flows first look for a FAQ entry that answers the question itself (actions/answer.py,
# leading_entry): an entry there is the answer, the flow only keeps what no entry answers.
_FLOWS_AFTER_ENTRIES = frozenset({"visa_form", "events", "handoff"})
KNOWLEDGE_ACTION = "action_answer_from_knowledge"
# A message this short is also searched together with the user's last questions
# (actions/answer.py, FOLLOW_UP_MAX_WORDS and search_in_context).
FOLLOW_UP_MAX_WORDS = 8


@dataclass
class Path:
    """Which path answered one turn, and why (the reasons in the console's language)."""

    kind: str  # "entry" | "document" | "flow" | "fallback"
    headline: str
    reasons: list[str]
    flow: str | None = None  # the flow that answered, or that an entry or document beat
    record: str | None = None  # the FAQ entry's id or the document's record id
    title: str | None = None  # a document's title (its first source)
    intent: str | None = None
    intent_confidence: float | None = None
    confidence: float | None = None  # the knowledge layer's, for a knowledge answer
    actions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "headline": self.headline,
            "reasons": self.reasons,
            "flow": self.flow,
            "record": self.record,
            "title": self.title,
            "intent": self.intent,
            "intent_confidence": self.intent_confidence,
            "confidence": self.confidence,
            "answer_bar": Thresholds().threshold,
            "actions": self.actions,
        }


@dataclass
class Turn:
    """One question of the test chat. Its path is explained when shown, in the page's language
    (the console's switch may change between two looks)."""

    question: str
    reply: Reply
    events: list[dict[str, Any]]  # Rasa's events from this turn's user message on
    entry: bool  # the reply's record is a FAQ entry (else a document, or none)
    follow_up: bool = False  # short, after earlier questions: searched with them too

    def path(self, language: Language) -> Path:
        record = (self.reply.ref or "").removeprefix("faq:")
        faq_ids = {record} if self.entry else set()
        events = {"events": self.events}
        return explain(events, self.reply, faq_ids, language, follow_up=self.follow_up)


def is_follow_up(chat: TryChat, message: str) -> bool:
    """Whether the actions may read the message together with the test chat's earlier ones."""
    asked_before = bool(chat.turns) or chat.dropped > 0
    short = len(message.split()) <= FOLLOW_UP_MAX_WORDS
    return asked_before and short and not message.startswith("/")


def last_turn(tracker: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tracker's events from its last user message on (a long test chat's tracker holds
    every turn; a turn keeps only its own)."""
    events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    return events[users[-1] :] if users else events


@dataclass
class TryChat:
    """One console session's test conversation: its Rasa sender id and the turns shown."""

    sender: str = field(default_factory=lambda: SENDER_PREFIX + secrets.token_hex(12))
    turns: list[Turn] = field(default_factory=list)
    dropped: int = 0  # turns no longer shown (MAX_TURNS_SHOWN)
    used: float = field(default_factory=time.monotonic)
    # A refused question's text key and its values, shown once on the page (after a redirect).
    error: tuple[str, dict[str, Any]] | None = None

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        if len(self.turns) > MAX_TURNS_SHOWN:
            self.dropped += len(self.turns) - MAX_TURNS_SHOWN
            del self.turns[:-MAX_TURNS_SHOWN]


class TryChats:
    """The test conversations of this gateway's console sessions, in memory only (keyed by a
    hash of the session's cookie); erasing one erases its conversation from the tracker store."""

    def __init__(self) -> None:
        self._by_session: dict[str, TryChat] = {}
        # The RasaClient last used: what is left is erased with it (when idle, at shutdown).
        self.client: RasaLike | None = None
        self.sweeper: asyncio.Task[None] | None = None  # erases the idle ones (try_routes.py)

    def get(self, key: str) -> TryChat | None:
        return self._by_session.get(key)

    def open(self, key: str) -> TryChat:
        chat = self._by_session.get(key)
        if chat is None:
            chat = self._by_session[key] = TryChat()
        chat.used = time.monotonic()
        return chat

    def pop(self, key: str) -> TryChat | None:
        return self._by_session.pop(key, None)

    def idle(self, now: float | None = None) -> list[TryChat]:
        """Takes out the chats unused for IDLE_SECONDS (their conversations are to be erased)."""
        now = time.monotonic() if now is None else now
        stale = [k for k, c in self._by_session.items() if now - c.used > IDLE_SECONDS]
        return [self._by_session.pop(k) for k in stale]

    def all(self) -> list[TryChat]:
        chats, self._by_session = list(self._by_session.values()), {}
        return chats


class RasaLike(Protocol):
    async def send(self, sender: str, message: str, metadata: Any) -> list[dict[str, Any]]: ...

    async def tracker(self, sender: str) -> dict[str, Any]: ...

    async def forget(self, sender: str) -> None: ...


async def ask(
    client: RasaLike, chat: TryChat, message: str, language: Language, hint: Language | None
) -> tuple[Reply, dict[str, Any]]:
    """One message of the test chat through Rasa, as the widget sends it (channel "api", the
    language hint); the rendered reply and the conversation's tracker after it."""
    output = await client.send(chat.sender, message, {"channel": "api", "language": hint})
    tracker = await client.tracker(chat.sender)
    return render_rasa_output(output, language), tracker


async def erase(client: RasaLike, chats: Sequence[TryChat]) -> None:
    """Erase these test conversations from the tracker store (a failure leaves them to the
    retention purge, DUTA_RETENTION_DAYS)."""
    for chat in chats:
        with contextlib.suppress(UpstreamError):
            await client.forget(chat.sender)


# --- reading the path ------------------------------------------------------------------------


@dataclass
class _TurnEvents:
    text: str
    intent: str | None
    intent_confidence: float | None
    ranking: list[dict[str, Any]]
    actions: list[str]
    requested_slot: str | None
    mission_card: bool


def turn_events(tracker: Mapping[str, Any]) -> _TurnEvents:
    """The last user message of a tracker and what Rasa did after it."""
    events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    user = events[last_user] if last_user >= 0 else {}
    parse = user.get("parse_data") or {}
    intent = parse.get("intent") or {}
    confidence = intent.get("confidence")
    actions: list[str] = []
    requested: str | None = None
    card = False
    for event in events[last_user + 1 :]:
        kind = event.get("event")
        if kind == "action" and isinstance(event.get("name"), str):
            actions.append(event["name"])
        elif kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value") if isinstance(event.get("value"), str) else None
        elif kind == "bot":
            duta = ((event.get("data") or {}).get("custom") or {}).get("duta") or {}
            card = card or "mission" in duta
    ranking = [r for r in parse.get("intent_ranking") or [] if isinstance(r, dict)]
    return _TurnEvents(
        text=str(user.get("text") or ""),
        intent=intent.get("name") if isinstance(intent.get("name"), str) else None,
        intent_confidence=float(confidence) if isinstance(confidence, int | float) else None,
        ranking=ranking,
        actions=actions,
        requested_slot=requested,
        mission_card=card,
    )


def _number(value: float, language: Language, digits: int = 3) -> str:
    shown = f"{value:.{digits}f}"
    return shown.replace(".", ",") if language == "id" else shown


def _intent_words(name: str | None, language: Language) -> str:
    key = f"intent_{name}"
    return text(key, language) if has_text(key) else f"“{name or '?'}”"


def _flow_words(flow: str, action: str, language: Language) -> str:
    if flow == "fixed_reply":
        key = f"reply_{action}"
        what = text(key, language) if has_text(key) else action
        return text("flow_fixed_reply", language, what=what)
    if flow == "other":
        return text("flow_other", language, what=action)
    return text(f"flow_{flow}", language)


def _percent(confidence: float) -> int:
    """Rounded down: 0.998 is "99 %", never "100 %", which only a button's intent gets."""
    return math.floor(100 * confidence)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _why_intent(turn: _TurnEvents, language: Language) -> str | None:
    if turn.intent is None:
        return None
    if turn.text.startswith("/"):
        return text("why_button", language, intent=_intent_words(turn.intent, language))
    if turn.intent == "nlu_fallback":
        guess = next((r for r in turn.ranking if r.get("name") != "nlu_fallback"), None)
        if guess is not None and isinstance(guess.get("confidence"), int | float):
            pct = _percent(float(guess["confidence"]))
            words = _intent_words(guess.get("name"), language)
            return text("why_intent_unclear", language, intent=words, pct=pct)
    pct = _percent(turn.intent_confidence or 0.0)
    return text("why_intent", language, intent=_intent_words(turn.intent, language), pct=pct)


def explain(
    tracker: Mapping[str, Any],
    reply: Reply,
    faq_ids: Container[str],
    language: Language,
    thresholds: Thresholds | None = None,
    follow_up: bool = False,
) -> Path:
    """The path of the tracker's last turn, whose rendered reply is `reply`: a FAQ entry, a
    document, a flow, or no answer; with the reasons in `language` (the console's).

    `faq_ids`: the FAQ entries' ids (a knowledge answer's record that is not one is a document).
    `follow_up`: the message is short and came after others in the same conversation.
    """
    bars = thresholds or Thresholds()
    turn = turn_events(tracker)
    steps = [a for a in turn.actions if a not in _HOUSEKEEPING]
    main = steps[0] if steps else None
    flow = _flow_of(main)
    reasons = [r for r in [_why_intent(turn, language)] if r]
    bar = _number(bars.threshold, language)
    record = reply.ref.removeprefix("faq:") if reply.ref else None
    path = Path(
        kind="flow",
        headline="",
        reasons=reasons,
        intent=turn.intent,
        intent_confidence=turn.intent_confidence,
        confidence=reply.confidence,
        actions=turn.actions,
    )

    if record is not None:
        # A knowledge answer (actions/answer.py, utter_hit): an entry or a document.
        path.record = record
        path.flow = flow if flow in _FLOWS_AFTER_ENTRIES else None
        if record in faq_ids:
            path.kind = "entry"
            path.headline = text("path_entry", language, record=record)
        else:
            path.kind = "document"
            path.title = next((s.title for m in reply.messages for s in m.sources), record)
            path.headline = text("path_document", language, title=path.title)
        if reply.confidence is not None:
            score = _number(reply.confidence, language, 4)
            if turn.intent == "out_of_scope":
                strict = _number(bars.strict_threshold, language)
                reasons.append(text("why_score_out_of_scope", language, score=score, bar=strict))
            else:
                reasons.append(text("why_score", language, score=score, bar=bar))
        if main == "action_help":
            reasons.append(text("why_follow_up_help", language))
        elif follow_up:
            reasons.append(text("why_context", language))
        if path.flow is not None:
            words = text(f"flow_{path.flow}", language)
            key = "why_entry_beats_flow" if path.kind == "entry" else "why_document_beats_flow"
            reasons.append(text(key, language, flow=words))
        if reply.confidence is not None and reply.confidence < LOW_CONFIDENCE_BAR:
            low = _number(LOW_CONFIDENCE_BAR, language)
            reasons.append(text("why_low_confidence", language, low=low))
    elif main is None:
        path.kind, path.flow = "fallback", "no_reply"
        path.headline = text("path_fallback", language)
        reasons.append(text("why_no_reply", language))
    elif main == KNOWLEDGE_ACTION:
        # Declined: "no answer", or for a message outside Duta's topics, what it can do.
        path.kind = "fallback"
        path.headline = text("path_fallback", language)
        if turn.intent == "out_of_scope":
            reasons.append(
                text("why_out_of_scope", language, bar=_number(bars.strict_threshold, language))
            )
        else:
            reasons.append(text("why_no_match", language, bar=bar))
            if any(m.buttons for m in reply.messages):
                reasons.append(text("why_nearby", language))
            if turn.mission_card:
                reasons.append(text("why_card_follows", language))
    elif flow == "not_understood":
        path.kind, path.flow = "fallback", flow
        path.headline = text("path_fallback", language)
        reasons.append(text("why_not_understood", language))
    else:
        assert flow is not None
        path.flow = flow
        words = _flow_words(flow, main, language)
        path.headline = text("path_flow", language, flow=words)
        reasons.extend(_why_flow(flow, turn, words, language))
        if reply.fallback:
            reasons.append(text("why_flow_nothing", language))

    if "action_deactivate_loop" in turn.actions:
        reasons.append(text("why_form_put_aside", language))
    if reply.fallback:
        reasons.append(text("why_queued", language))
    return path


def _flow_of(action: str | None) -> str | None:
    if action is None or action == KNOWLEDGE_ACTION:
        return None
    if action in _FLOWS:
        return _FLOWS[action]
    if action.startswith("action_ask_visa_"):
        return "visa_form"
    return "fixed_reply" if action.startswith("utter_") else "other"


def _why_flow(flow: str, turn: _TurnEvents, words: str, language: Language) -> list[str]:
    if flow == "visa_form":
        reasons = []
        if "action_visa_entry" in turn.actions:
            reasons.append(_capitalised(text("why_flow_no_entry", language, flow=words)))
        if "action_visa_answer" in turn.actions:
            reasons.append(text("why_visa_answer", language))
        elif turn.requested_slot:
            key = f"slot_{turn.requested_slot}"
            slot = text(key, language) if has_text(key) else turn.requested_slot
            reasons.append(text("why_visa_asks", language, slot=slot))
        return reasons
    if flow == "events":
        return [text("why_events", language)]
    if flow in _FLOWS_AFTER_ENTRIES:
        return [_capitalised(text("why_flow_no_entry", language, flow=words))]
    return {
        "emergency": [text("why_emergency", language)],
        "mission_card": [text("why_mission_card", language)],
        "correction": [text("why_correction", language)],
        "menu": [text("why_fixed_reply", language)],
        "fixed_reply": [text("why_fixed_reply", language)],
    }.get(flow, [])

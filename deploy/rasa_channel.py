"""Rasa's only input channel: the gateway's (`credentials.yml`), at /webhooks/duta/.

Rasa's stock REST channel answers anyone who reaches the port, reads any size of text (one 100 KB
message made Rasa allocate 13 GB) and logs the text when a turn fails. This one is the door the
gateway uses, and only the gateway:

- every route needs `Authorization: Bearer $RASA_TOKEN` (constant-time compare); no token
  configured means every request is refused;
- POST /webhook takes only JSON with a text of at most MAX_MESSAGE_CHARS (the gateway's own limit,
  same variable) and a body no larger than such a text can make, checked before NLU runs;
- a text starting with "/" is taken as an intent only when it is a payload the domain could have
  put on a button (a domain intent, entities the domain knows); anything else loses its slashes
  and goes to NLU as what it is, words typed by a person;
- DELETE /conversations/<sender> erases one conversation ("forget me"), POST /purge erases the
  conversations whose last event is older than a number of days (privacy retention).

It runs inside Rasa's environment (Python 3.10): only the standard library, Sanic and Rasa.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger("duta.rasa_channel")

TOKEN_ENV = "RASA_TOKEN"
DEFAULT_MAX_MESSAGE_CHARS = 1000
# JSON of the longest text at its most escaped ("\ud83d\ude00": 12 bytes a character), plus the
# sender and the metadata.
_BODY_BYTES_PER_CHAR = 12
_BODY_BYTES_BESIDE_TEXT = 4096
# The gateway's sender ids: "api:<1-128 chars>", "tg:<chat>[:<user>]"; Rasa's column holds 255.
_SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
# "/intent" or "/intent{json}", as Rasa's own payload syntax, without the "@confidence" part.
_PAYLOAD = re.compile(r"/(?P<intent>[A-Za-z0-9_]{1,64})(?P<entities>\{.{0,400}\})?", re.DOTALL)
_ENTITY_VALUE_MAX_CHARS = 100


class GatewayInput(InputChannel):
    """Settings come from the environment the gateway also reads, so the limits are the same."""

    @classmethod
    def name(cls) -> str:
        return "duta"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        return cls()

    def __init__(self) -> None:
        self.token = os.environ.get(TOKEN_ENV, "").strip()
        self.max_message_chars = _int_env("MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS)
        self.max_body_bytes = (
            self.max_message_chars * _BODY_BYTES_PER_CHAR + _BODY_BYTES_BESIDE_TEXT
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = Blueprint("duta_gateway_channel", __name__)

        @channel.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = self.refusal(request) or self.body_refusal(request)
            if refusal is not None:
                return refusal
            try:
                body = json.loads(request.body)
            except (ValueError, RecursionError):
                return _error(400, "invalid_json")
            if not isinstance(body, dict):
                return _error(422, "invalid_request")
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
                return _error(422, "invalid_sender")
            if not isinstance(text, str) or not text.strip():
                return _error(422, "invalid_message")
            if len(text) > self.max_message_chars:
                return _error(413, "message_too_long")
            if metadata is not None and not isinstance(metadata, dict):
                return _error(422, "invalid_metadata")
            domain = request.app.ctx.agent.domain
            collector = CollectingOutputChannel()
            message = UserMessage(
                as_user_input(text, domain.intents, domain.entities),
                collector,
                sender,
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await on_new_message(message)
            except Exception as error:  # any failure is one failed turn
                # The type only: an exception's message may quote the user's text.
                log.error("turn failed: %s", type(error).__name__)
                log.debug("turn failed", exc_info=True)
                return _error(500, "turn_failed")
            return response.json(collector.messages)

        @channel.route("/conversations/<sender>", methods=["DELETE"])
        async def forget(request: Request, sender: str) -> HTTPResponse:
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
            if not _SENDER.fullmatch(sender):
                return _error(422, "invalid_sender")
            store = sql_store(request.app.ctx.agent.tracker_store)
            if store is None:
                return _error(501, "not_sql_tracker_store")
            # Under the conversation's lock: a turn in flight cannot write back what was erased.
            async with request.app.ctx.agent.lock_store.lock(sender):
                deleted = delete_conversations(store, [sender])
            log.info("conversation erased (%d events)", deleted)
            return response.json({"forgotten": True, "events": deleted})

        @channel.route("/purge", methods=["POST"])
        async def purge(request: Request) -> HTTPResponse:
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
            try:
                days = float(json.loads(request.body or b"{}").get("older_than_days"))
            except (ValueError, TypeError, AttributeError):
                return _error(422, "invalid_days")
            if not days > 0:
                return _error(422, "invalid_days")
            store = sql_store(request.app.ctx.agent.tracker_store)
            if store is None:
                return _error(501, "not_sql_tracker_store")
            senders = stale_conversations(store, time.time() - days * 86400)
            deleted = 0
            for sender in senders:
                async with request.app.ctx.agent.lock_store.lock(sender):
                    # Checked again under the lock: the person may have written meanwhile.
                    if stale_conversations(store, time.time() - days * 86400, sender):
                        deleted += delete_conversations(store, [sender])
            log.info("purge: %d conversations, %d events", len(senders), deleted)
            return response.json({"conversations": len(senders), "events": deleted})

        return channel

    def refusal(self, request: Request) -> HTTPResponse | None:
        """None for the gateway (right bearer token), else the 401 to send."""
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if (
            not self.token
            or scheme.lower() != "bearer"
            or not hmac.compare_digest(given.strip().encode(), self.token.encode())
        ):
            return _error(401, "unauthorized")
        return None

    def body_refusal(self, request: Request) -> HTTPResponse | None:
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            return _error(415, "unsupported_media_type")
        if len(request.body) > self.max_body_bytes:
            return _error(413, "body_too_large")
        return None


def as_user_input(text: str, intents: list[str], entities: list[str]) -> str:
    """The text as Rasa should read it: a domain button payload stays one, other "/..." is words."""
    if not text.startswith("/"):
        return text
    match = _PAYLOAD.fullmatch(text.strip())
    if match and match["intent"] in intents and _known_entities(match["entities"], entities):
        return text.strip()
    return text.lstrip("/").strip() or "?"


def _known_entities(raw: str | None, entities: list[str]) -> bool:
    if raw is None:
        return True
    try:
        values = json.loads(raw)
    except ValueError:
        return False
    return isinstance(values, dict) and all(
        key in entities
        and isinstance(value, str)
        and len(value) <= _ENTITY_VALUE_MAX_CHARS
        and value.isprintable()
        for key, value in values.items()
    )


def sql_store(store: TrackerStore) -> SQLTrackerStore | None:
    """The SQL store behind Rasa's wrappers (fail-safe, awaitable), or None for another kind."""
    for _ in range(4):
        if isinstance(store, SQLTrackerStore):
            return store
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            return None
        store = inner
    return None


def delete_conversations(store: SQLTrackerStore, senders: list[str]) -> int:
    events = store.SQLEvent
    with store.session_scope() as session:
        deleted = (
            session.query(events)
            .filter(events.sender_id.in_(senders))
            .delete(synchronize_session=False)
        )
        session.commit()
    return int(deleted)


def stale_conversations(
    store: SQLTrackerStore, cutoff: float, sender: str | None = None
) -> list[str]:
    """Conversations (all, or just `sender`) whose newest event is older than `cutoff`."""
    from sqlalchemy import func

    events = store.SQLEvent
    with store.session_scope() as session:
        query = session.query(events.sender_id)
        if sender is not None:
            query = query.filter(events.sender_id == sender)
        rows = query.group_by(events.sender_id).having(func.max(events.timestamp) < cutoff).all()
    return [row[0] for row in rows]


def _error(status: int, code: str) -> HTTPResponse:
    return response.json({"error": {"code": code}}, status=status)


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default

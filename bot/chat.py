"""POST /api/chat: one user message in, the assistant's reply out (contract: docs/architecture.md).

POST /api/forget: one conversation erased (docs/privacy.md).
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from admin.console import record_turn
from bot.app_keys import RASA_CLIENT, SENDER_LIMITER, SETTINGS
from bot.chat_request import InvalidChatRequest, read_chat_request, read_forget_request
from bot.http_errors import json_error, rate_limited
from bot.i18n import Language, choose_language, text
from bot.logging_setup import PSEUDONYMIZER, fields
from bot.rasa_client import (
    RESTART_PAYLOAD,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from bot.render import Message, Reply, apology, render_rasa_output

CHANNEL = "api"
log = logging.getLogger("bot.chat")

_NO_STORE = {"Cache-Control": "no-store"}


async def chat(request: web.Request) -> web.Response:
    started = time.monotonic()
    settings = request.app[SETTINGS]
    accept_language = request.headers.get("Accept-Language")
    try:
        chat_request = await read_chat_request(
            request, settings.max_body_bytes, settings.max_message_chars
        )
    except InvalidChatRequest as error:
        language = choose_language(error.lang, error.message, accept_language)
        log.info("chat refused", extra=fields(code=error.code, status=error.status))
        return json_error(error.status, error.code, language, **error.params)

    # Namespaced by channel so that a widget user cannot write into a Telegram conversation.
    sender = f"{CHANNEL}:{chat_request.sender}"
    sender_hash = request.app[PSEUDONYMIZER](sender)
    # The gateway's guess, for its own words; a reply from Rasa names the conversation's language.
    hint_language = choose_language(chat_request.lang, chat_request.message, accept_language)
    if wait := await request.app[SENDER_LIMITER].take(sender):
        log.info("rate limited", extra=fields(by="sender", sender=sender_hash))
        return rate_limited(wait, hint_language)

    log.debug("chat message", extra=fields(sender=sender_hash, text=chat_request.message))
    client = request.app[RASA_CLIENT]
    metadata: dict[str, object] = {"channel": CHANNEL, "language": chat_request.lang}
    if chat_request.lang_choice is not None:
        metadata["language_choice"] = chat_request.lang_choice
    if chat_request.mission is not None:
        metadata["mission"] = chat_request.mission
    try:
        output = await client.send(sender, chat_request.message, metadata)
    except UpstreamError as error:
        log.warning(
            "chat failed upstream",
            extra=fields(sender=sender_hash, error=str(error), latency_ms=_ms_since(started)),
        )
        return _upstream_failure(error, hint_language)

    if chat_request.message == RESTART_PAYLOAD:
        # Rasa's restart says nothing; an empty answer would read as a failure.
        restarted = Message(text("conversation_restarted", hint_language))
        reply = Reply(hint_language, fallback=False, messages=[restarted])
    else:
        reply = render_rasa_output(output, hint_language)
    if not output and chat_request.message != RESTART_PAYLOAD:
        # Rasa answers an empty list when an action failed: most likely the action server is down.
        log.warning("rasa returned no messages", extra=fields(sender=sender_hash))
    log.info(
        "chat answered",
        extra=fields(
            sender=sender_hash,
            language=reply.language,
            fallback=reply.fallback,
            messages=len(reply.messages),
            latency_ms=_ms_since(started),
        ),
    )
    if output:
        # The staff console's queue (fallbacks, low confidence; redacted, docs/privacy.md), and
        # the answer kept under the id the widget's thumbs up/down send back (bot/votes.py).
        await record_turn(request.app, CHANNEL, reply, chat_request.message)
    log.debug("chat reply", extra=fields(sender=sender_hash, reply=reply.to_json()))
    return web.json_response(reply.to_json(), headers=_NO_STORE)


async def forget(request: web.Request) -> web.Response:
    """POST /api/forget `{"sender": ...}`: erase that conversation from the tracker store.

    The sender id is the capability, as for /api/chat: the widget keeps a random one per browser.
    """
    settings = request.app[SETTINGS]
    language = choose_language(accept_language=request.headers.get("Accept-Language"))
    try:
        sender = await read_forget_request(request, settings.max_body_bytes)
    except InvalidChatRequest as error:
        log.info("forget refused", extra=fields(code=error.code, status=error.status))
        return json_error(error.status, error.code, language, **error.params)
    rasa_sender = f"{CHANNEL}:{sender}"
    sender_hash = request.app[PSEUDONYMIZER](rasa_sender)
    if wait := await request.app[SENDER_LIMITER].take(rasa_sender):
        return rate_limited(wait, language)
    try:
        await request.app[RASA_CLIENT].forget(rasa_sender)
    except UpstreamError as error:
        log.warning("forget failed upstream", extra=fields(sender=sender_hash, error=str(error)))
        return _upstream_failure(error, language)
    log.info("conversation forgotten", extra=fields(sender=sender_hash))
    return web.json_response({"forgotten": True}, headers=_NO_STORE)


def _upstream_failure(error: UpstreamError, language: Language) -> web.Response:
    """503/504/502 with the apology both as the error and as the assistant's message."""
    if isinstance(error, UpstreamUnavailable):
        status, code = 503, "upstream_unavailable"
    elif isinstance(error, UpstreamTimeout):
        status, code = 504, "upstream_timeout"
    else:
        status, code = 502, "upstream_error"
    body = {
        "error": {"code": code, "message": text(code, language)},
        **apology(code, language).to_json(),
    }
    return web.json_response(body, status=status, headers=_NO_STORE)


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)

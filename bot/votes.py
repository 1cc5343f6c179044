"""POST /api/feedback: the widget's thumbs up or down on one answer (docs/widget.md).

Body `{"sender": ..., "answer_id": ..., "vote": "up" | "down", "lang"?: ...}`; the answer id is
the `answer_id` of a /api/chat reply. It passes the same origin, per-address and per-sender
limits as /api/chat (a vote counts as a message). One vote per answer and sender: the same vote
again answers 200 with `changed: false`, the other one replaces it. A thumbs down puts the
question in the staff console's queue (admin/console/ratings.py). The thanks come in the answer's
language; bad input is a 400 with a JSON error, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from admin.console import RATINGS
from admin.console.ratings import UnknownAnswer
from bot.app_keys import SENDER_LIMITER, SETTINGS
from bot.chat import CHANNEL
from bot.chat_request import InvalidChatRequest, read_rating_request
from bot.http_errors import json_error, rate_limited
from bot.i18n import as_language, choose_language, text
from bot.logging_setup import PSEUDONYMIZER, fields

log = logging.getLogger("bot.votes")

_NO_STORE = {"Cache-Control": "no-store"}


async def rate_answer(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    accept_language = request.headers.get("Accept-Language")
    try:
        rating = await read_rating_request(request, settings.max_body_bytes)
    except InvalidChatRequest as error:
        language = choose_language(error.lang, accept_language=accept_language)
        log.info("rating refused", extra=fields(code=error.code, status=error.status))
        return json_error(error.status, error.code, language, **error.params)
    language = choose_language(rating.lang, accept_language=accept_language)
    sender = f"{CHANNEL}:{rating.sender}"
    sender_hash = request.app[PSEUDONYMIZER](sender)
    if wait := await request.app[SENDER_LIMITER].take(sender):
        log.info("rate limited", extra=fields(by="sender", sender=sender_hash))
        return rate_limited(wait, language)
    ratings = request.app[RATINGS]
    try:
        outcome = await asyncio.to_thread(
            ratings.vote,
            rating.answer_id,
            sender,
            "up" if rating.vote == "up" else "down",
        )
    except UnknownAnswer:
        log.info("rating refused", extra=fields(code="unknown_answer", sender=sender_hash))
        return json_error(400, "unknown_answer", language)
    except (OSError, sqlite3.Error) as error:
        log.warning("rating not kept", extra=fields(error=str(error)))
        return json_error(503, "internal_error", language)
    log.info(
        "answer rated",
        extra=fields(sender=sender_hash, vote=outcome.vote, changed=outcome.changed),
    )
    answer_language = as_language(outcome.answer.language) or language
    body = {
        "answer_id": outcome.answer.id,
        "vote": outcome.vote,
        "changed": outcome.changed,
        "message": text(f"rating_thanks_{outcome.vote}", answer_language),
    }
    return web.json_response(body, headers=_NO_STORE)

"""The staff console (docs/console.md): accounts, the unanswered-questions queue, answering it.

`setup_console(app)` mounts it under /admin/ and keeps the store on the gateway app, where the
channels record each turn (`record_turn`: fallbacks and low-confidence answers into the queue,
answers kept for rating) and the retention task purges them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from bot.admin.ratings import LOW_CONFIDENCE, RatingStore, is_low_confidence
from bot.admin.redact import redact
from bot.admin.routes import add_console
from bot.admin.store import ConsoleStore
from bot.logging_setup import fields
from bot.render import Reply

log = logging.getLogger("bot.admin")

CONSOLE_STORE = web.AppKey("console_store", ConsoleStore)
RATINGS = web.AppKey("ratings", RatingStore)


def setup_console(app: web.Application, store: ConsoleStore) -> None:
    app[CONSOLE_STORE] = store
    app[RATINGS] = RatingStore(store)
    add_console(app, store)


async def record_turn(app: web.Application, channel: str, reply: Reply, question: str) -> None:
    """What the console keeps of one answered turn: a fallback or a low-confidence answer joins
    the queue; an answer is kept so that it can be rated, and gets its `answer_id`. Like
    `record_unanswered`, a failure costs the user nothing (logged without text, dropped)."""
    if reply.fallback:
        await record_unanswered(app, channel, reply.language, question)
        return
    if is_low_confidence(reply.confidence):
        await record_unanswered(app, channel, reply.language, question, LOW_CONFIDENCE)
    ratings = app.get(RATINGS)
    if ratings is None or not reply.is_answer():
        return
    texts = "\n\n".join(m.text for m in reply.messages)
    sources = [s.title for m in reply.messages for s in m.sources]
    try:
        reply.answer_id = await asyncio.to_thread(
            ratings.add_answer, channel, reply.language, redact(question), texts, sources,
            reply.ref, reply.confidence,
        )  # fmt: skip
    except (OSError, sqlite3.Error) as error:
        log.warning("answer not kept for rating", extra=fields(error=str(error)))


async def record_unanswered(
    app: web.Application, channel: str, language: str, text: str, reason: str = "fallback"
) -> None:
    """Keep a question Duta could not answer, personal data masked first. A failure here must
    never cost the user their answer: it is logged (without the text) and dropped."""
    if text.startswith("/"):
        return  # a button's payload ("/ask_visa"), not words a user typed
    store = app.get(CONSOLE_STORE)
    if store is None:
        return
    try:
        await asyncio.to_thread(store.add_unanswered, channel, language, reason, redact(text))
    except (OSError, sqlite3.Error) as error:
        log.warning("unanswered question not recorded", extra=fields(error=str(error)))

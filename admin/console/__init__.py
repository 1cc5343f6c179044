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

from admin.console.ratings import LOW_CONFIDENCE, RatingStore, is_low_confidence, new_answer_id
from admin.console.redact import redact
from admin.console.routes import add_console
from admin.console.store import ConsoleStore
from bot.logging_setup import fields
from bot.render import Reply

log = logging.getLogger("admin.console")

CONSOLE_STORE = web.AppKey("console_store", ConsoleStore)
RATINGS = web.AppKey("ratings", RatingStore)


# Answers being written (see record_turn): kept referenced until done, awaited at shutdown.
WRITES = web.AppKey("answers_being_written", set)


def setup_console(app: web.Application, store: ConsoleStore) -> None:
    app[CONSOLE_STORE] = store
    app[RATINGS] = RatingStore(store)
    app[WRITES] = set()
    add_console(app, store)
    app.on_cleanup.append(answers_written)


async def answers_written(app: web.Application) -> None:
    """Waits for the answers record_turn is still writing."""
    await asyncio.gather(*app.get(WRITES, ()), return_exceptions=True)


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
    reply.answer_id = new_answer_id()
    write = _keep_answer(ratings, channel, reply, redact(question), texts, sources)
    writes = app.get(WRITES)
    if writes is None:  # an app without the console's setup (tests): written at once
        await write
        return
    # Written while the reply goes out: a commit waits for the disk (20-30 ms on the test
    # machine), and a vote comes seconds later, from a person. A lost write only makes that vote
    # "unknown".
    task = asyncio.create_task(write)
    writes.add(task)
    task.add_done_callback(writes.discard)


async def _keep_answer(
    ratings: RatingStore, channel: str, reply: Reply, question: str, texts: str, sources: list[str]
) -> None:
    try:
        await asyncio.to_thread(
            ratings.add_answer, channel, reply.language, question, texts, sources, reply.ref,
            reply.confidence, reply.answer_id,
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

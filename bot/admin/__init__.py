"""The staff console (docs/console.md): accounts, the unanswered-questions queue, answering it.

`setup_console(app)` mounts it under /admin/ and keeps the store on the gateway app, where the
chat handler records unanswered questions (`record_unanswered`) and the retention task purges them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiohttp import web

from bot.admin.redact import redact
from bot.admin.routes import add_console
from bot.admin.store import ConsoleStore
from bot.logging_setup import fields

log = logging.getLogger("bot.admin")

CONSOLE_STORE = web.AppKey("console_store", ConsoleStore)


def setup_console(app: web.Application, store: ConsoleStore) -> None:
    app[CONSOLE_STORE] = store
    add_console(app, store)


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

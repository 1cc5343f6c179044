"""Retention and erasure of stored conversations (docs/privacy.md).

The gateway erases, every few hours, the conversations whose last message is older than
DUTA_RETENTION_DAYS (default 90; 0 keeps them). Rasa's channel does the erasing, in whatever
tracker store Rasa uses (SQLite or PostgreSQL), under each conversation's lock.

Staff can do the same by hand, with the stack's RASA_URL and RASA_TOKEN in the environment:

    .venv/bin/python -m bot.privacy purge --days 30
    .venv/bin/python -m bot.privacy forget api:3f2a...   # one conversation, by its Rasa sender id
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from admin.console import CONSOLE_STORE, RATINGS
from bot.app_keys import FEEDBACK, RASA_CLIENT, SETTINGS
from bot.config import ConfigError, Settings
from bot.logging_setup import fields
from bot.rasa_client import RasaClient, UpstreamError

log = logging.getLogger("bot.privacy")

PURGE_EVERY_SECONDS = 6 * 3600.0
# The first purge waits until Rasa has had time to start with the rest of the stack.
FIRST_PURGE_AFTER_SECONDS = 120.0


async def retention_task(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: purge old conversations now and then while the gateway runs."""
    days = app[SETTINGS].retention_days
    task = asyncio.create_task(_purge_forever(app, days)) if days > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _purge_forever(app: web.Application, days: int) -> None:
    await asyncio.sleep(FIRST_PURGE_AFTER_SECONDS)
    while True:
        try:
            result = await app[RASA_CLIENT].purge(days)
            log.info("old conversations erased", extra=fields(days=days, **result))
        except UpstreamError as error:
            # Rasa may be restarting: the next round tries again.
            log.warning("purge failed", extra=fields(error=str(error)))
        dropped = await asyncio.to_thread(app[FEEDBACK].purge, days)
        log.info("old feedback erased", extra=fields(days=days, entries=dropped))
        if (console := app.get(CONSOLE_STORE)) is not None:
            try:
                dropped = await asyncio.to_thread(console.purge_unanswered, days)
                log.info(
                    "old unanswered questions erased", extra=fields(days=days, entries=dropped)
                )
            except (OSError, sqlite3.Error) as error:
                log.warning("unanswered purge failed", extra=fields(error=str(error)))
        if (ratings := app.get(RATINGS)) is not None:
            # Rated answers (and their votes) are kept as long as the unanswered questions.
            try:
                dropped = await asyncio.to_thread(ratings.purge, days)
                log.info("old rated answers erased", extra=fields(days=days, entries=dropped))
            except (OSError, sqlite3.Error) as error:
                log.warning("answers purge failed", extra=fields(error=str(error)))
        await asyncio.sleep(PURGE_EVERY_SECONDS)


async def _run(command: str, settings: Settings, days: float, sender: str | None) -> object:
    async with aiohttp.ClientSession() as session:
        # Erasing many conversations may take longer than one chat turn.
        client = RasaClient.from_settings(session, settings, max(settings.rasa_timeout, 300.0))
        if command == "purge":
            return await client.purge(days)
        assert sender is not None
        await client.forget(sender)
        return {"forgotten": sender}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.privacy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge", help="erase conversations older than --days")
    purge.add_argument("--days", type=float, default=None, help="default: DUTA_RETENTION_DAYS")
    forget = commands.add_parser("forget", help="erase one conversation")
    forget.add_argument("sender", help="Rasa's sender id, e.g. api:<widget id> or tg:<chat id>")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"duta privacy: {error}", file=sys.stderr)
        return 2
    if not settings.rasa_token:
        print("duta privacy: RASA_TOKEN is not set (the running stack's token)", file=sys.stderr)
        return 2
    days = args.days if getattr(args, "days", None) is not None else settings.retention_days
    if args.command == "purge" and not days > 0:
        print("duta privacy: --days must be more than 0", file=sys.stderr)
        return 2
    try:
        result = asyncio.run(_run(args.command, settings, days, getattr(args, "sender", None)))
    except UpstreamError as error:
        print(f"duta privacy: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

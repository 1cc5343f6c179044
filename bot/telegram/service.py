"""The Telegram connector's life inside the gateway process: polling or webhook, start and stop.

Long polling by default (one process, no public address needed). With TELEGRAM_WEBHOOK_URL the
gateway serves that URL's path instead, and Telegram must prove each call with the secret token
it was given in setWebhook; replicated gateways then share the updates (docs/telegram.md).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from aiogram import Dispatcher
from aiogram.types import BotCommand, Update
from aiohttp import web
from pydantic import ValidationError

from admin.console import RATINGS, record_turn
from bot.app_keys import FEEDBACK, LIMIT_STORAGE, RASA_CLIENT, SENDER_LIMITER, SETTINGS
from bot.config import Settings
from bot.i18n import LANGUAGES, text
from bot.logging_setup import PSEUDONYMIZER, fields
from bot.rate_limit import RateLimiter
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.connector import Connector
from bot.telegram.handlers import build_router
from bot.telegram.session import create_bot
from bot.telegram.state import ChatMemory

log = logging.getLogger("bot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Updates are larger than chat requests (a reply quotes the message it answers).
MAX_UPDATE_BYTES = 1024 * 1024
# Updates handled at once; more wait, so a burst cannot exhaust memory or Rasa.
MAX_CONCURRENT_UPDATES = 32
POLLING_TIMEOUT_SECONDS = 30
MAX_RETRY_DELAY_SECONDS = 60.0
COMMANDS = ("start", "menu", "lang", "reset", "help", "privacy", "forget", "feedback", "about")


class TelegramService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bot = create_bot(settings)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(build_router())
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_UPDATES)

    @property
    def webhook_mode(self) -> bool:
        return self.settings.telegram_webhook_url is not None

    async def lifecycle(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: runs after the Rasa client exists, stops before it closes."""
        self.dispatcher["duta"] = Connector(
            rasa=app[RASA_CLIENT],
            limiter=app[SENDER_LIMITER],
            notices=RateLimiter(1, app[LIMIT_STORAGE], "telegram-notice"),
            pseudonymize=app[PSEUDONYMIZER],
            codec=CallbackCodec(),
            chats=ChatMemory(),
            max_message_chars=self.settings.max_message_chars,
            part_chars=self.settings.telegram_message_max_chars,
            feedback=app[FEEDBACK],
            retention_days=self.settings.retention_days,
            record=functools.partial(record_turn, app, "telegram"),
            ratings=app.get(RATINGS),
        )
        self._spawn(self._set_webhook() if self.webhook_mode else self._poll())
        log.info(
            "telegram connector started",
            extra=fields(mode="webhook" if self.webhook_mode else "polling"),
        )
        try:
            yield
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.bot.session.close()
            log.info("telegram connector stopped")

    async def webhook(self, request: web.Request) -> web.Response:
        """POST from Telegram: checked, parsed, answered at once, handled in the background."""
        expected = (self.settings.telegram_webhook_secret or "").encode()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            log.warning("telegram webhook refused", extra=fields(reason="bad secret token"))
            raise web.HTTPUnauthorized()
        try:
            body = await request.clone(client_max_size=MAX_UPDATE_BYTES).read()
            update = Update.model_validate(json.loads(body), context={"bot": self.bot})
        except (ValueError, ValidationError, UnicodeDecodeError):
            log.warning("telegram webhook refused", extra=fields(reason="not an update"))
            raise web.HTTPBadRequest() from None
        self._spawn(self._feed(update))
        return web.json_response({"ok": True})

    async def _feed(self, update: Update) -> None:
        async with self._slots:
            try:
                await self.dispatcher.feed_update(self.bot, update)
            except Exception as error:  # the errors handler failed too: log, keep serving
                log.error("telegram update lost", extra=fields(error=type(error).__name__))

    async def _poll(self) -> None:
        """Polls until cancelled; starts again (with growing pauses) if polling cannot start."""
        delay = 1.0
        while True:
            try:
                # A webhook left by an earlier deployment makes getUpdates fail with 409.
                await self.bot.delete_webhook(drop_pending_updates=False)
                await self._set_commands()
                await self.dispatcher.start_polling(
                    self.bot,
                    polling_timeout=POLLING_TIMEOUT_SECONDS,
                    handle_signals=False,  # aiohttp's run_app owns SIGINT and SIGTERM
                    close_bot_session=False,
                    tasks_concurrency_limit=MAX_CONCURRENT_UPDATES,
                )
                return
            except Exception as error:  # unreachable API, bad token: keep trying, loudly
                log.error(
                    "telegram polling failed",
                    extra=fields(error=type(error).__name__, retry_in_s=delay),
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY_SECONDS)

    async def _set_webhook(self) -> None:
        url = self.settings.telegram_webhook_url
        delay = 1.0
        while True:
            try:
                await self.bot.set_webhook(
                    url=str(url),
                    secret_token=self.settings.telegram_webhook_secret,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                )
                log.info("telegram webhook set", extra=fields(path=url.path if url else None))
                break
            except Exception as error:
                log.error(
                    "telegram webhook not set",
                    extra=fields(error=type(error).__name__, retry_in_s=delay),
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY_SECONDS)
        await self._set_commands()

    async def _set_commands(self) -> None:
        """The command list Telegram shows, in Indonesian for "id" users, English otherwise."""
        for language in LANGUAGES:
            commands = [
                BotCommand(command=name, description=text(f"command_{name}", language))
                for name in COMMANDS
            ]
            try:
                await self.bot.set_my_commands(
                    commands, language_code="id" if language == "id" else None
                )
            except Exception as error:  # cosmetic; the tests' emulator lacks this method
                log.warning("telegram commands not set", extra=fields(error=type(error).__name__))
                return

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


TELEGRAM = web.AppKey("telegram", TelegramService)


def add_to_app(app: web.Application) -> None:
    """The connector's routes and background task in the gateway (bot.telegram.setup_telegram)."""
    settings = app[SETTINGS]
    service = TelegramService(settings)
    app[TELEGRAM] = service
    if settings.telegram_webhook_url is not None:
        app.router.add_post(settings.telegram_webhook_url.path, service.webhook)
    app.cleanup_ctx.append(service.lifecycle)

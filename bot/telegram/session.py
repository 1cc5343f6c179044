"""The aiogram Bot and its HTTP session: which Bot API server, flood control, typing.

Request middlewares wrap every Bot API call: a chat action ("typing…") that fails is logged and
reported as not shown, never raised; TelegramRetryAfter (Telegram's flood control) is waited out
and the call retried; an empty getUpdates answered at once makes the poller pause, since a server
that does not hold long polls (the tests' emulator) would otherwise be polled in a busy loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, SendChatAction, TelegramMethod
from aiogram.types import LinkPreviewOptions
from aiogram.utils.chat_action import ChatActionSender

from bot.config import Settings
from bot.logging_setup import fields

log = logging.getLogger("bot.telegram")

# Telegram shows "typing…" for 5 s or until the next message; renewed a little earlier.
TYPING_EVERY_SECONDS = 4.5
EMPTY_POLL_PAUSE_SECONDS = 0.25
REQUEST_TIMEOUT_SECONDS = 30.0


class ChatActionIsCosmetic(BaseRequestMiddleware):
    """A failed sendChatAction is logged (DEBUG) and answered False instead of raised.

    aiogram's ChatActionSender stops at the first error its worker task meets, and nobody
    awaits that task: without this, one refusal would end "typing…" for the whole answer and
    leave an unretrieved task error. The tests' emulator refuses every chat action, as may a
    busy Telegram. Registered outermost, so flood control still logs what it gave up on.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        if not isinstance(method, SendChatAction):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)
        except Exception as error:  # cosmetic: never worth failing an answer
            log.debug("typing action failed", extra=fields(error=type(error).__name__))
            return False


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Waits out Telegram's flood control (429 with retry_after) and tries again."""

    def __init__(self, max_wait: float = 60.0, attempts: int = 3) -> None:
        self.max_wait = max_wait
        self.attempts = attempts

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                # A stale "typing…" is worth no wait; past max_wait the user has moved on.
                give_up = (
                    attempt >= self.attempts
                    or error.retry_after > self.max_wait
                    or isinstance(method, SendChatAction)
                )
                log.warning(
                    "telegram flood control",
                    extra=fields(
                        method=type(method).__name__,
                        retry_after=error.retry_after,
                        attempt=attempt,
                        retrying=not give_up,
                    ),
                )
                if give_up:
                    raise
                await asyncio.sleep(error.retry_after)
                attempt += 1


class EmptyPollPause(BaseRequestMiddleware):
    """Pauses after an empty getUpdates that came back at once, so a server that ignores the
    long-poll timeout cannot make the gateway spin a core asking again and again.

    Telegram holds an empty poll for the whole timeout, so this never delays it. Servers that
    answer at once: a proxy that cuts long requests short, and the Telegram emulator the tests
    use. The tests cannot use webhooks instead: the emulator sends no secret token, and the
    webhook route refuses every request without one.
    """

    def __init__(self, pause: float = EMPTY_POLL_PAUSE_SECONDS) -> None:
        self.pause = pause

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Any:
        started = time.monotonic()
        result = await make_request(bot, method)
        if (
            isinstance(method, GetUpdates)
            and not result
            and time.monotonic() - started < self.pause
        ):
            await asyncio.sleep(self.pause)
        return result


def create_bot(settings: Settings) -> Bot:
    """A Bot for the configured server, sending HTML without link previews by default."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    api_options = {}
    if settings.telegram_api_base is not None:
        api_options["api"] = TelegramAPIServer.from_base(str(settings.telegram_api_base))
    session = AiohttpSession(timeout=REQUEST_TIMEOUT_SECONDS, **api_options)
    # The first registered wraps the others.
    session.middleware(ChatActionIsCosmetic())
    session.middleware(RetryAfterMiddleware())
    session.middleware(EmptyPollPause())
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            link_preview=LinkPreviewOptions(is_disabled=True),
        ),
    )


def typing(bot: Bot, chat_id: int, thread_id: int | None = None) -> ChatActionSender:
    """`async with typing(...)`: "typing…" in the chat while the block runs (aiogram's sender,
    renewed before Telegram's 5 s run out); a failure to show it changes nothing, as long as
    the bot's session has ChatActionIsCosmetic (create_bot)."""
    return ChatActionSender.typing(
        bot=bot, chat_id=chat_id, message_thread_id=thread_id, interval=TYPING_EVERY_SECONDS
    )

"""Telegram's side of a conversation: a text in, Rasa's answer out as Telegram messages.

Everything goes through the gateway's `RasaClient` and `render.Reply`, like /api/chat: the Rasa
sender is "tg:<chat id>" (one conversation per chat, a group's shared by its members), the
metadata names the channel and the language hint (the user's /lang choice, else Telegram's
language_code). The rate limit counts per user, so one member cannot silence a group.
"""

from __future__ import annotations

import html
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, User

from bot.chat_request import clean_message
from bot.i18n import DEFAULT_LANGUAGE, Language, as_language, text
from bot.logging_setup import Pseudonymizer, fields
from bot.rasa_client import (
    RESTART_PAYLOAD,
    RasaClient,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from bot.rate_limit import RateLimiter, retry_after_seconds
from bot.render import Button, Reply, apology, render_rasa_output
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.formatting import render_message
from bot.telegram.session import typing
from bot.telegram.state import ChatMemory, language_from_code
from knowledge.language import detect_language

CHANNEL = "telegram"
# Rasa intents the commands stand for (domain.yml); `restart` is one of Rasa's own.
MENU_PAYLOAD = "/help"
log = logging.getLogger("bot.telegram")


def language_payload(language: Language) -> str:
    """Rasa's change_language intent with its entity: the action server then sets the slot."""
    return "/change_language" + json.dumps({"language": language})


@dataclass
class Connector:
    rasa: RasaClient
    limiter: RateLimiter
    # One "too many messages" notice per user a minute: a flood must not get a flood back.
    notices: RateLimiter
    pseudonymize: Pseudonymizer
    codec: CallbackCodec
    chats: ChatMemory
    max_message_chars: int
    part_chars: int

    def chat_hash(self, chat_id: int) -> str:
        return self.pseudonymize(sender(chat_id))

    def hint(self, chat_id: int, user: User | None) -> Language | None:
        """The language hint sent to Rasa, which prefers the language of the text itself."""
        return self.chats.choice(chat_id) or language_from_code(_code(user))

    def own_language(self, chat_id: int, user: User | None, said: str | None = None) -> Language:
        """For the connector's own words: the chat's language as last known, else a guess."""
        return (
            self.chats.choice(chat_id)
            or self.chats.language(chat_id)
            or language_from_code(_code(user))
            or (as_language(detect_language(said)) if said else None)
            or DEFAULT_LANGUAGE
        )

    async def converse(self, bot: Bot, chat_id: int, user: User | None, said: str) -> None:
        """A user's text (or button payload) through Rasa, answered in the chat."""
        said = clean_message(said)
        if not said or not await self.admit(bot, chat_id, user, said):
            return
        if len(said) > self.max_message_chars:
            language = self.own_language(chat_id, user, said)
            notice = text("message_too_long", language, max_chars=self.max_message_chars)
            await self.say(bot, chat_id, notice)
            return
        async with self.chats.lock(chat_id):
            async with typing(bot, chat_id):
                reply = await self.ask(chat_id, user, said)
            await self.send_reply(bot, chat_id, reply)

    async def admit(self, bot: Bot, chat_id: int, user: User | None, said: str = "") -> bool:
        """False (after a polite notice, at most one a minute) while the user is over the limit."""
        key = f"tg:user:{user.id if user else chat_id}"
        wait = self.limiter.take(key)
        if not wait:
            return True
        log.info("rate limited", extra=fields(by="telegram_user", chat=self.chat_hash(chat_id)))
        if not self.notices.take(key):
            language = self.own_language(chat_id, user, said)
            notice = text("rate_limited", language, retry_after=retry_after_seconds(wait))
            await self.say(bot, chat_id, notice)
        return False

    async def ask(self, chat_id: int, user: User | None, said: str) -> Reply:
        """Rasa's reply; an apology in the user's language when Rasa cannot answer."""
        started = time.monotonic()
        chat = self.chat_hash(chat_id)
        hint = self.hint(chat_id, user)
        log.debug("telegram message", extra=fields(chat=chat, text=said))
        try:
            output = await self.rasa.send(sender(chat_id), said, _metadata(hint))
        except UpstreamError as error:
            log.warning(
                "telegram message failed upstream",
                extra=fields(chat=chat, error=str(error), latency_ms=_ms_since(started)),
            )
            return apology(_apology_key(error), self.own_language(chat_id, user, said))
        if not output:
            # Rasa answers an empty list when an action failed: likely the action server is down.
            log.warning("rasa returned no messages", extra=fields(chat=chat))
        reply = render_rasa_output(output, self.own_language(chat_id, user, said))
        self.chats.remember_language(chat_id, reply.language)
        log.info(
            "telegram answered",
            extra=fields(
                chat=chat,
                language=reply.language,
                fallback=reply.fallback,
                messages=len(reply.messages),
                latency_ms=_ms_since(started),
            ),
        )
        return reply

    async def reset(self, chat_id: int, user: User | None) -> Language:
        """Rasa's /restart: the conversation starts afresh (slots and dialogue state)."""
        language = self.own_language(chat_id, user)
        metadata = _metadata(self.hint(chat_id, user))
        async with self.chats.lock(chat_id):
            await self.rasa.send(sender(chat_id), RESTART_PAYLOAD, metadata)
            self.chats.forget(chat_id)
        log.info("telegram conversation reset", extra=fields(chat=self.chat_hash(chat_id)))
        return language

    async def forget(self, chat_id: int) -> None:
        """Erase this chat's conversation from the tracker store ("forget me")."""
        async with self.chats.lock(chat_id):
            await self.rasa.forget(sender(chat_id))
            self.chats.forget(chat_id)
        log.info("telegram conversation erased", extra=fields(chat=self.chat_hash(chat_id)))

    async def send_reply(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        for message in reply.messages:
            for part in render_message(message, reply.language, self.part_chars):
                sent = await self._send(bot, chat_id, part.html, self.keyboard(part.buttons))
                if not sent:
                    return

    async def say(
        self,
        bot: Bot,
        chat_id: int,
        plain: str,
        buttons: list[Button] | None = None,
        own: bool = False,
    ) -> None:
        """The connector's own words (plain text; escaped for HTML parse mode)."""
        markup = self.keyboard(buttons, own)
        await self._send(bot, chat_id, html.escape(plain, quote=False), markup)

    def keyboard(
        self, buttons: list[Button] | None, own: bool = False
    ) -> InlineKeyboardMarkup | None:
        """One button a row (titles in Indonesian are long); `own`: connector actions."""
        encode = self.codec.encode_own if own else self.codec.encode
        rows = [
            [InlineKeyboardButton(text=b.title, callback_data=encode(b.payload))]
            for b in buttons or []
            if b.title.strip()
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

    async def _send(
        self, bot: Bot, chat_id: int, body: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        try:
            await bot.send_message(chat_id=chat_id, text=body, reply_markup=markup)
        except TelegramForbiddenError:
            # Blocked by the user, or removed from the group: nobody to answer.
            log.info("telegram chat unreachable", extra=fields(chat=self.chat_hash(chat_id)))
            return False
        return True


def sender(chat_id: int) -> str:
    """Namespaced, so a widget user cannot write into a Telegram conversation."""
    return f"tg:{chat_id}"


def _metadata(hint: Language | None) -> dict[str, Any]:
    return {"channel": CHANNEL, "language": hint}


def _code(user: User | None) -> str | None:
    return user.language_code if user else None


def _apology_key(error: UpstreamError) -> str:
    if isinstance(error, UpstreamUnavailable):
        return "upstream_unavailable"
    if isinstance(error, UpstreamTimeout):
        return "upstream_timeout"
    return "upstream_error"


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)

"""Telegram's side of a conversation: a text in, Rasa's answer out as Telegram messages.

Everything goes through the gateway's `RasaClient` and `render.Reply`, like /api/chat: the Rasa
sender is one person's conversation (`state.Conversation`: a private chat, or one member of a
group in one forum topic, so members never answer each other's forms), the metadata names the
channel, the language hint (Telegram's language_code) and the user's /lang choice. The rate limit
counts turns per user, so one member cannot silence a group.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, User
from aiogram.utils.keyboard import InlineKeyboardBuilder

from admin.console.ratings import RatingStore, UnknownAnswer, Vote, VoteOutcome
from bot.chat_request import clean_message
from bot.feedback import FeedbackBox
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
from bot.telegram.state import ChatMemory, Conversation, Waiting, language_from_code
from knowledge.language import detect_language

CHANNEL = "telegram"
# Rasa intents the commands stand for (domain.yml); `restart` is one of Rasa's own.
MENU_PAYLOAD = "/help"
# The thumbs under an answer: "!rate:up:<answer id>" (30 bytes of the 64 callback data may hold).
RATE_ACTION = "rate:"
THUMBS: dict[Vote, str] = {"up": "\N{THUMBS UP SIGN}", "down": "\N{THUMBS DOWN SIGN}"}
BURST_QUIET_SECONDS = 3.0
BURST_MAX_WAIT_SECONDS = 12.0
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
    # /feedback goes here; /privacy names how long conversations are kept.
    feedback: FeedbackBox | None = None
    retention_days: int = 0
    # Each answered turn (reply, what the user said) for the staff console: fallbacks and
    # low-confidence answers join its queue (personal data masked), answers get the id their
    # thumbs up/down carry (admin.console.record_turn).
    record: Callable[[Reply, str], Awaitable[None]] | None = None
    # Where the thumbs' votes go (the console's file); None: no thumbs under answers.
    ratings: RatingStore | None = None
    # Messages that come while an answer is being made wait until none has come for this long,
    # then are answered together, as one turn: a burst gets one answer, not one per message.
    burst_quiet_seconds: float = BURST_QUIET_SECONDS

    def chat_hash(self, conversation: Conversation) -> str:
        return self.pseudonymize(conversation.sender)

    def hint(self, conversation: Conversation, user: User | None) -> Language | None:
        """The language hint sent to Rasa (a /lang choice is sent as a choice, see _metadata)."""
        return self.chats.choice(conversation) or language_from_code(_code(user))

    def own_language(
        self, conversation: Conversation, user: User | None, said: str | None = None
    ) -> Language:
        """For the connector's own words: the chat's language as last known, else a guess."""
        return (
            self.chats.choice(conversation)
            or self.chats.language(conversation)
            or language_from_code(_code(user))
            or (as_language(detect_language(said)) if said else None)
            or DEFAULT_LANGUAGE
        )

    async def converse(
        self,
        bot: Bot,
        conversation: Conversation,
        user: User | None,
        said: str,
        message_id: int | None = None,
    ) -> None:
        """A user's text through Rasa, answered in the chat.

        What arrives while an answer is being made waits, and is then answered once, as one
        turn (the texts joined), as a reply to the last of them.
        """
        said = clean_message(said)
        if not said:
            return
        if len(said) > self.max_message_chars:
            language = self.own_language(conversation, user, said)
            notice = text("message_too_long", language, max_chars=self.max_message_chars)
            await self.say(bot, conversation, notice, reply_to=message_id)
            return
        if not self.chats.wait(conversation, Waiting(said, message_id)):
            return  # the call answering this conversation takes it with the next turn
        quiet = 0.0  # the first message is answered at once
        try:
            while batch := await self.chats.take(conversation, quiet, BURST_MAX_WAIT_SECONDS):
                quiet = self.burst_quiet_seconds
                turn = self._joined(batch)
                last_id = batch[-1].message_id
                if not await self.admit(bot, conversation, user, turn, reply_to=last_id):
                    continue
                # Locked per answer, not while waiting for the burst: a command (/reset) meanwhile
                # need not wait.
                async with self.chats.lock(conversation):
                    async with typing(bot, conversation.chat_id, conversation.thread_id):
                        reply = await self.ask(conversation, user, turn)
                    self.chats.remember_message(conversation, last_id)
                    await self.send_reply(bot, conversation, reply, reply_to=last_id)
        finally:
            # Also after a failure (the error handler apologises): the next message must find
            # nobody answering, or it would wait for good.
            self.chats.stop_waiting(conversation)

    def _joined(self, batch: list[Waiting]) -> str:
        """The texts of a burst as one turn, the latest kept when together they are too long."""
        kept: list[str] = []
        for waiting in reversed(batch):
            if len("\n".join([waiting.text, *kept])) > self.max_message_chars:
                break
            kept.insert(0, waiting.text)
        return "\n".join(kept)

    async def admit(
        self,
        bot: Bot,
        conversation: Conversation,
        user: User | None,
        said: str = "",
        reply_to: int | None = None,
    ) -> bool:
        """False (after a polite notice, at most one a minute) while the user is over the limit."""
        key = f"tg:user:{user.id if user else conversation.chat_id}"
        wait = await self.limiter.take(key)
        if not wait:
            return True
        log.info(
            "rate limited", extra=fields(by="telegram_user", chat=self.chat_hash(conversation))
        )
        if not await self.notices.take(key):
            language = self.own_language(conversation, user, said)
            notice = text("rate_limited", language, retry_after=retry_after_seconds(wait))
            await self.say(bot, conversation, notice, reply_to=reply_to)
        return False

    async def ask(self, conversation: Conversation, user: User | None, said: str) -> Reply:
        """Rasa's reply; an apology in the user's language when Rasa cannot answer."""
        started = time.monotonic()
        chat = self.chat_hash(conversation)
        log.debug("telegram message", extra=fields(chat=chat, text=said))
        metadata = _metadata(self.hint(conversation, user), self.chats.choice(conversation))
        if (home := self.chats.home(conversation)) is not None:
            metadata["mission"] = home
        try:
            output = await self.rasa.send(conversation.sender, said, metadata)
        except UpstreamError as error:
            log.warning(
                "telegram message failed upstream",
                extra=fields(chat=chat, error=str(error), latency_ms=_ms_since(started)),
            )
            return apology(_apology_key(error), self.own_language(conversation, user, said))
        if not output:
            # Rasa answers an empty list when an action failed: likely the action server is down.
            log.warning("rasa returned no messages", extra=fields(chat=chat))
        reply = render_rasa_output(output, self.own_language(conversation, user, said))
        if output and self.record is not None:
            await self.record(reply, said)
        if self.ratings is None:
            reply.answer_id = None
        self.chats.remember_language(conversation, reply.language)
        if reply.language_choice is not None:
            # The user asked for this language in words ("answer in English please").
            self.chats.choose(conversation, reply.language_choice)
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

    async def rate(self, answer_id: str, user: User | None, vote: Vote) -> VoteOutcome:
        """One person's vote on an answer (in a group, each member has their own)."""
        if self.ratings is None or user is None:
            raise UnknownAnswer(answer_id)
        return await asyncio.to_thread(self.ratings.vote, answer_id, f"tg:user:{user.id}", vote)

    async def reset(self, conversation: Conversation, user: User | None) -> Language:
        """Rasa's /restart: the conversation starts afresh (slots and dialogue state)."""
        language = self.own_language(conversation, user)
        metadata = _metadata(self.hint(conversation, user), None)
        async with self.chats.lock(conversation):
            await self.rasa.send(conversation.sender, RESTART_PAYLOAD, metadata)
            self.chats.forget(conversation)
        log.info("telegram conversation reset", extra=fields(chat=self.chat_hash(conversation)))
        return language

    async def forget(self, conversation: Conversation) -> None:
        """Erase this conversation from the tracker store ("forget me")."""
        async with self.chats.lock(conversation):
            await self.rasa.forget(conversation.sender)
            self.chats.forget(conversation)
        log.info("telegram conversation erased", extra=fields(chat=self.chat_hash(conversation)))

    async def send_reply(
        self, bot: Bot, conversation: Conversation, reply: Reply, reply_to: int | None = None
    ) -> None:
        last = reply.messages[-1] if reply.messages else None
        for message in reply.messages:
            parts = render_message(message, reply.language, self.part_chars)
            for part in parts:
                # The thumbs go under the end of the answer: its last part.
                rated = reply.answer_id if message is last and part is parts[-1] else None
                markup = self.keyboard(part.buttons, rating=rated)
                if not await self._send(bot, conversation, part.html, markup, reply_to):
                    return
                reply_to = None  # the first part answers the message; the rest follow it

    async def say(
        self,
        bot: Bot,
        conversation: Conversation,
        plain: str,
        buttons: list[Button] | None = None,
        own: bool = False,
        reply_to: int | None = None,
    ) -> None:
        """The connector's own words (plain text; escaped for HTML parse mode)."""
        markup = self.keyboard(buttons, own)
        await self._send(bot, conversation, html.escape(plain, quote=False), markup, reply_to)

    def keyboard(
        self, buttons: list[Button] | None, own: bool = False, rating: str | None = None
    ) -> InlineKeyboardMarkup | None:
        """One button a row (titles in Indonesian are long); `own`: connector actions;
        `rating`: an answer id, whose thumbs up and down share a last row."""
        encode = self.codec.encode_own if own else self.codec.encode
        builder = InlineKeyboardBuilder()
        for b in buttons or []:
            if b.title.strip():
                builder.row(InlineKeyboardButton(text=b.title, callback_data=encode(b.payload)))
        if rating is not None:
            builder.row(
                *(
                    InlineKeyboardButton(
                        text=mark,
                        callback_data=self.codec.encode_own(f"{RATE_ACTION}{vote}:{rating}"),
                    )
                    for vote, mark in THUMBS.items()
                )
            )
        return builder.as_markup() if builder.export() else None

    async def _send(
        self,
        bot: Bot,
        conversation: Conversation,
        body: str,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None,
    ) -> bool:
        # In a group, an answer says whom it is for by replying to their message.
        in_group = conversation.user_id is not None
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if in_group and reply_to is not None
            else None
        )
        try:
            await bot.send_message(
                chat_id=conversation.chat_id,
                message_thread_id=conversation.thread_id,
                text=body,
                reply_markup=markup,
                reply_parameters=reply,
            )
        except TelegramForbiddenError:
            # Blocked by the user, or removed from the group: nobody to answer.
            log.info("telegram chat unreachable", extra=fields(chat=self.chat_hash(conversation)))
            return False
        return True


def _metadata(hint: Language | None, choice: Language | None) -> dict[str, Any]:
    """`language_choice`: the user's /lang choice, which Rasa keeps until the user asks again."""
    metadata: dict[str, Any] = {"channel": CHANNEL, "language": hint}
    if choice is not None:
        metadata["language_choice"] = choice
    return metadata


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

"""aiogram handlers: commands, text, buttons, everything else; and the last-resort error handler.

Edited messages are handled like new ones (the user corrected the question). In groups Duta
answers only messages that mention it or reply to it, so it does not talk over people.
"""

from __future__ import annotations

import logging
import re
import traceback

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ContentType, MessageEntityType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import CallbackQuery, ErrorEvent, Message, Update, User

from bot.i18n import LANGUAGES, as_language, text
from bot.logging_setup import fields
from bot.rasa_client import UpstreamError
from bot.render import Button, apology
from bot.telegram.connector import MENU_PAYLOAD, Connector, language_payload
from bot.telegram.texts import LANGUAGE_NAMES, tg_text

log = logging.getLogger("bot.telegram")

LOCATION_TYPES = {ContentType.LOCATION, ContentType.VENUE}
# Media and other things a user sends on purpose; service messages (joins, pins) get no answer.
NON_TEXT_TYPES = LOCATION_TYPES | {
    ContentType.PHOTO,
    ContentType.STICKER,
    ContentType.VOICE,
    ContentType.AUDIO,
    ContentType.VIDEO,
    ContentType.VIDEO_NOTE,
    ContentType.ANIMATION,
    ContentType.DOCUMENT,
    ContentType.CONTACT,
    ContentType.POLL,
    ContentType.DICE,
    ContentType.STORY,
}
LANG_ACTION = "lang:"
FORGET_ACTION = "forget:"


class Addressed(Filter):
    """Private chats: every message. Groups: those that mention the bot or reply to it."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        me = await bot.me()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == me.id:
            return True
        content = message.text or message.caption or ""
        for entity in message.entities or message.caption_entities or []:
            if entity.type == MessageEntityType.MENTION and me.username:
                if entity.extract_from(content).lower() == f"@{me.username.lower()}":
                    return True
            elif entity.type == MessageEntityType.TEXT_MENTION and entity.user:
                return entity.user.id == me.id
        return False


def build_router() -> Router:
    """A fresh router (aiogram attaches a router to one dispatcher only)."""
    router = Router(name="duta-telegram")
    for observer in (router.message, router.edited_message):
        observer.register(on_start, CommandStart())
        observer.register(on_help, Command("help"))
        observer.register(on_menu, Command("menu"))
        observer.register(on_lang, Command("lang"))
        observer.register(on_reset, Command("reset"))
        observer.register(on_forget, Command("forget"))
        observer.register(on_text, F.text, Addressed())
        observer.register(on_non_text, F.content_type.in_(NON_TEXT_TYPES), Addressed())
    router.callback_query.register(on_button)
    router.errors.register(on_error)
    return router


async def on_start(message: Message, bot: Bot, duta: Connector) -> None:
    """Greeting in the user's Telegram language, then the topics menu from Rasa."""
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    await duta.say(bot, chat_id, tg_text("welcome", duta.own_language(chat_id, user)))
    await _ask(duta, bot, chat_id, user, MENU_PAYLOAD)


async def on_help(message: Message, bot: Bot, duta: Connector) -> None:
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    me = await bot.me()
    language = duta.own_language(chat_id, user)
    await duta.say(bot, chat_id, tg_text("help", language, username=me.username or "Duta"))


async def on_menu(message: Message, bot: Bot, duta: Connector) -> None:
    chat_id, user = message.chat.id, message.from_user
    if await duta.admit(bot, chat_id, user):
        await _ask(duta, bot, chat_id, user, MENU_PAYLOAD)


async def on_lang(message: Message, command: CommandObject, bot: Bot, duta: Connector) -> None:
    """/lang id|en switches the answers' language; anything else shows the two choices."""
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    language = as_language((command.args or "").strip().lower())
    if language is None:
        await _show_language_choice(duta, bot, chat_id, user)
        return
    await _switch_language(duta, bot, chat_id, user, language)


async def on_reset(message: Message, bot: Bot, duta: Connector) -> None:
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    try:
        language = await duta.reset(chat_id, user)
    except UpstreamError as error:
        log.warning("telegram reset failed upstream", extra=fields(error=str(error)))
        language = duta.own_language(chat_id, user)
        await duta.say(bot, chat_id, text("upstream_unavailable", language))
        return
    await duta.say(bot, chat_id, tg_text("reset_done", language))


async def on_forget(message: Message, bot: Bot, duta: Connector) -> None:
    """/forget asks first; the answer comes back as one of the two buttons (on_button)."""
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    language = duta.own_language(chat_id, user)
    if message.chat.type != ChatType.PRIVATE:
        # A group's conversation is everyone's: one member may not erase the others' words.
        await duta.say(bot, chat_id, tg_text("forget_private_only", language))
        return
    buttons = [
        Button(tg_text("forget_yes", language), FORGET_ACTION + "yes"),
        Button(tg_text("forget_no", language), FORGET_ACTION + "no"),
    ]
    await duta.say(bot, chat_id, tg_text("forget_confirm", language), buttons, own=True)


async def _forget_answered(
    duta: Connector, bot: Bot, chat_id: int, user: User | None, answer: str
) -> None:
    language = duta.own_language(chat_id, user)
    if answer != "yes":
        await duta.say(bot, chat_id, tg_text("forget_kept", language))
        return
    try:
        await duta.forget(chat_id)
    except UpstreamError as error:
        log.warning("telegram forget failed upstream", extra=fields(error=str(error)))
        await duta.say(bot, chat_id, text("upstream_unavailable", language))
        return
    await duta.say(bot, chat_id, tg_text("forget_done", language))


async def on_text(message: Message, bot: Bot, duta: Connector) -> None:
    said = message.text or ""
    if message.chat.type != ChatType.PRIVATE:
        said = await _without_mention(said, bot)
        # A bare mention ("@DutaBot") asks for attention: show what Duta can do.
        said = said or MENU_PAYLOAD
    await duta.converse(bot, message.chat.id, message.from_user, said)


async def on_non_text(message: Message, bot: Bot, duta: Connector) -> None:
    chat_id, user = message.chat.id, message.from_user
    if not await duta.admit(bot, chat_id, user):
        return
    key = "location" if message.content_type in LOCATION_TYPES else "text_only"
    await duta.say(bot, chat_id, tg_text(key, duta.own_language(chat_id, user, message.caption)))


async def on_button(query: CallbackQuery, bot: Bot, duta: Connector) -> None:
    """A pressed inline button: its payload goes to Rasa as if the user had typed it."""
    try:
        await query.answer()  # stops the button's spinner
    except TelegramAPIError as error:
        log.debug("callback answer failed", extra=fields(error=type(error).__name__))
    user = query.from_user
    chat_id = query.message.chat.id if query.message else user.id
    callback = duta.codec.decode(query.data)
    if callback is None:
        if await duta.admit(bot, chat_id, user):
            expired = tg_text("button_expired", duta.own_language(chat_id, user))
            await duta.say(bot, chat_id, expired)
    elif callback.own and callback.payload.startswith(FORGET_ACTION):
        if await duta.admit(bot, chat_id, user):
            answer = callback.payload.removeprefix(FORGET_ACTION)
            await _forget_answered(duta, bot, chat_id, user, answer)
    elif callback.own:
        language = as_language(callback.payload.removeprefix(LANG_ACTION))
        if (
            callback.payload.startswith(LANG_ACTION)
            and language
            and await duta.admit(bot, chat_id, user)
        ):
            await _switch_language(duta, bot, chat_id, user, language)
    else:
        await duta.converse(bot, chat_id, user, callback.payload)


async def on_error(event: ErrorEvent, bot: Bot, duta: Connector) -> bool:
    """Logs (no ids in clear, no message text) and apologises; the update counts as handled."""
    error = event.exception
    chat_id = _chat_id(event.update)
    frames = traceback.extract_tb(error.__traceback__)
    log.error(
        "telegram update failed",
        extra=fields(
            update_type=event.update.event_type,
            chat=duta.chat_hash(chat_id) if chat_id is not None else None,
            error=type(error).__name__,
            # Where, not what: an exception's message may quote the user's text.
            where=[f"{f.filename}:{f.lineno} {f.name}" for f in frames[-5:]],
        ),
    )
    if chat_id is not None:
        try:
            language = duta.own_language(chat_id, _user(event.update))
            await duta.send_reply(bot, chat_id, apology("internal_error", language))
        except Exception as again:  # nothing is left to try
            log.warning("apology not sent", extra=fields(error=type(again).__name__))
    return True


async def _ask(duta: Connector, bot: Bot, chat_id: int, user: User | None, said: str) -> None:
    """A command's payload through Rasa (no rate limit check: the command already counted)."""
    async with duta.chats.lock(chat_id):
        reply = await duta.ask(chat_id, user, said)
        await duta.send_reply(bot, chat_id, reply)


async def _switch_language(
    duta: Connector, bot: Bot, chat_id: int, user: User | None, language: str
) -> None:
    chosen = as_language(language)
    if chosen is None:
        return
    duta.chats.choose(chat_id, chosen)
    await _ask(duta, bot, chat_id, user, language_payload(chosen))


async def _show_language_choice(duta: Connector, bot: Bot, chat_id: int, user: User | None) -> None:
    buttons = [Button(LANGUAGE_NAMES[lang], LANG_ACTION + lang) for lang in LANGUAGES]
    body = tg_text("lang_usage", duta.own_language(chat_id, user))
    await duta.say(bot, chat_id, body, buttons, own=True)


async def _without_mention(said: str, bot: Bot) -> str:
    me = await bot.me()
    if not me.username:
        return said.strip()
    return re.sub(rf"@{re.escape(me.username)}\b", " ", said, flags=re.IGNORECASE).strip()


def _chat_id(update: Update) -> int | None:
    event = update.event
    if isinstance(event, Message):
        return event.chat.id
    if isinstance(event, CallbackQuery):
        return event.message.chat.id if event.message else event.from_user.id
    return None


def _user(update: Update) -> User | None:
    event = update.event
    return event.from_user if isinstance(event, Message | CallbackQuery) else None

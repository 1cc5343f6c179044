"""aiogram handlers: commands, text, buttons, everything else; and the last-resort error handler.

Each person has a conversation of their own (`state.Conversation`): a private chat, or one
member of a group in one forum topic. In groups Duta answers only messages that mention it or
reply to it, so it does not talk over people, and every answer replies to the message it answers.
An edit of the last message answered is answered again, as a correction; an edit of an older one
is not. A photo's caption is read as the message. A pressed button is marked as chosen; a press
that Rasa can no longer place (after /reset, an expired form) gets the menu, not a fallback.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import traceback

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ContentType, MessageEntityType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    InlineKeyboardButton,
    Message,
    Update,
    User,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from admin.console.ratings import UnknownAnswer
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, as_language, text
from bot.logging_setup import fields
from bot.rasa_client import UpstreamError
from bot.render import Button, apology
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.connector import MENU_PAYLOAD, RATE_ACTION, THUMBS, Connector, language_payload
from bot.telegram.state import Conversation

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
# The callback data of a button that only shows what was chosen.
CHOSEN_ACTION = "chosen"
CHOSEN_MARK = "✓ "
MISSION_LINK = "mission-"  # /start mission-<id>: a deep link from a mission's own page
_MISSION_ID = re.compile(r"[a-z][a-z0-9-]{1,50}")  # Telegram allows 64 characters after /start


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
    commands = {
        "help": on_help,
        "menu": on_menu,
        "lang": on_lang,
        "reset": on_reset,
        "forget": on_forget,
        "privacy": on_privacy,
        "feedback": on_feedback,
        "about": on_about,
    }
    router.message.register(on_start, CommandStart())
    for name, handler in commands.items():
        router.message.register(handler, Command(name))
    router.message.register(on_unknown_command, F.text.startswith("/"), Addressed())
    # Real Telegram sends edits as edited_message; some servers (the tests' emulator) as a
    # message with edit_date. Either way an edit is a correction or nothing (on_text).
    for observer in (router.message, router.edited_message):
        observer.register(on_text, F.text | F.caption, Addressed())
    router.message.register(on_non_text, F.content_type.in_(NON_TEXT_TYPES), Addressed())
    router.callback_query.register(on_button)
    router.errors.register(on_error)
    return router


def conversation_of(message: Message, user: User | None = None) -> Conversation:
    """The conversation a message belongs to (for a button: pass who pressed it)."""
    user = user or message.from_user
    if message.chat.type == ChatType.PRIVATE:
        return Conversation(message.chat.id)
    thread = message.message_thread_id if message.is_topic_message else None
    return Conversation(message.chat.id, user.id if user else None, thread)


async def on_start(message: Message, command: CommandObject, bot: Bot, duta: Connector) -> None:
    """Greeting in the user's Telegram language, then the topics menu from Rasa.

    A deep link from an embassy's page (t.me/<bot>?start=mission-kbri-tokyo) makes that mission
    the place assumed when the user asks for help without naming one."""
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    start = (command.args or "").strip()
    if start.startswith(MISSION_LINK) and _MISSION_ID.fullmatch(start[len(MISSION_LINK) :]):
        duta.chats.set_home(conversation, start[len(MISSION_LINK) :])
    language = duta.own_language(conversation, user)
    await duta.say(bot, conversation, text("welcome", language), reply_to=message.message_id)
    await _ask(duta, bot, conversation, user, MENU_PAYLOAD, message.message_id)


async def on_help(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if await duta.admit(bot, conversation, user):
        await _show_help(duta, bot, conversation, user, message.message_id)


async def _show_help(
    duta: Connector, bot: Bot, conversation: Conversation, user: User | None, reply_to: int | None
) -> None:
    me = await bot.me()
    language = duta.own_language(conversation, user)
    help_text = text("help", language, username=me.username or "Duta")
    await duta.say(bot, conversation, help_text, reply_to=reply_to)


async def on_menu(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if await duta.admit(bot, conversation, user):
        await _ask(duta, bot, conversation, user, MENU_PAYLOAD, message.message_id)


async def on_lang(message: Message, command: CommandObject, bot: Bot, duta: Connector) -> None:
    """/lang id|en: the answers' language from now on; anything else shows the two choices."""
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    language = as_language((command.args or "").strip().lower())
    if language is None:
        await _show_language_choice(duta, bot, conversation, user, message.message_id)
        return
    await _switch_language(duta, bot, conversation, user, language, message.message_id)


async def on_reset(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    try:
        language = await duta.reset(conversation, user)
    except UpstreamError as error:
        log.warning("telegram reset failed upstream", extra=fields(error=str(error)))
        language = duta.own_language(conversation, user)
        notice = text("upstream_unavailable", language)
        await duta.say(bot, conversation, notice, reply_to=message.message_id)
        return
    await duta.say(bot, conversation, text("reset_done", language), reply_to=message.message_id)


async def on_forget(message: Message, bot: Bot, duta: Connector) -> None:
    """/forget asks first; the answer comes back as one of the two buttons (on_button). In a
    group, only the asking member's own conversation is erased."""
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    language = duta.own_language(conversation, user)
    buttons = [
        Button(text("forget_yes", language), FORGET_ACTION + "yes"),
        Button(text("forget_no", language), FORGET_ACTION + "no"),
    ]
    ask = text("forget_confirm", language)
    await duta.say(bot, conversation, ask, buttons, own=True, reply_to=message.message_id)


async def _forget_answered(
    duta: Connector, bot: Bot, conversation: Conversation, user: User | None, answer: str
) -> None:
    language = duta.own_language(conversation, user)
    if answer != "yes":
        await duta.say(bot, conversation, text("forget_kept", language))
        return
    try:
        await duta.forget(conversation)
    except UpstreamError as error:
        log.warning("telegram forget failed upstream", extra=fields(error=str(error)))
        await duta.say(bot, conversation, text("upstream_unavailable", language))
        return
    await duta.say(bot, conversation, text("forget_done", language))


async def on_privacy(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    language = duta.own_language(conversation, user)
    if duta.retention_days > 0:
        body = text("privacy", language, days=duta.retention_days)
    else:
        body = text("privacy_no_retention", language)
    await duta.say(bot, conversation, body, reply_to=message.message_id)


async def on_about(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if await duta.admit(bot, conversation, user):
        language = duta.own_language(conversation, user)
        await duta.say(bot, conversation, text("about", language), reply_to=message.message_id)


async def on_feedback(message: Message, command: CommandObject, bot: Bot, duta: Connector) -> None:
    """/feedback <text> is kept for the team (bot/feedback.py); without text, how to use it."""
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    said = (command.args or "").strip()
    language = duta.own_language(conversation, user, said)
    if not said or duta.feedback is None:
        await duta.say(bot, conversation, text("feedback_usage", language))
        return
    await duta.feedback.add("telegram", language, said)
    log.info("telegram feedback recorded", extra=fields(chat=duta.chat_hash(conversation)))
    thanks = text("feedback_thanks", language)
    await duta.say(bot, conversation, thanks, reply_to=message.message_id)


async def on_unknown_command(message: Message, bot: Bot, duta: Connector) -> None:
    """A command Duta does not have: say so and list the ones it has. A command addressed to
    another bot in a group ("/start@OtherBot") is not ours to answer."""
    command = (message.text or "").split()[0]
    _, _, addressee = command.partition("@")
    me = await bot.me()
    if addressee and addressee.lower() != (me.username or "").lower():
        return
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    language = duta.own_language(conversation, user)
    notice = text("unknown_command", language)
    await duta.say(bot, conversation, notice, reply_to=message.message_id)
    await _show_help(duta, bot, conversation, user, None)


async def on_text(message: Message, bot: Bot, duta: Connector) -> None:
    conversation = conversation_of(message)
    if message.edit_date is not None:
        last = duta.chats.last_message(conversation)
        if last is None or message.message_id != last:
            # An edit of an older message: its answer stands; a second one would confuse.
            log.info("telegram edit ignored", extra=fields(chat=duta.chat_hash(conversation)))
            return
    said = message.text or message.caption or ""
    if message.chat.type != ChatType.PRIVATE:
        said = await _without_mention(said, bot)
        # A bare mention ("@DutaBot") asks for attention: show what Duta can do.
        said = said or MENU_PAYLOAD
    await duta.converse(bot, conversation, message.from_user, said, message.message_id)


async def on_non_text(message: Message, bot: Bot, duta: Connector) -> None:
    conversation, user = conversation_of(message), message.from_user
    if not await duta.admit(bot, conversation, user):
        return
    key = "location" if message.content_type in LOCATION_TYPES else "text_only"
    notice = text(key, duta.own_language(conversation, user))
    await duta.say(bot, conversation, notice, reply_to=message.message_id)


async def on_button(query: CallbackQuery, bot: Bot, duta: Connector) -> None:
    """A pressed inline button: marked as chosen, then its payload goes to Rasa as if typed."""
    user = query.from_user
    message = query.message if isinstance(query.message, Message) else None
    conversation = conversation_of(message, user) if message else Conversation(user.id)
    callback = duta.codec.decode(query.data)
    if callback is not None and callback.own and callback.payload.startswith(RATE_ACTION):
        await _rate(query, bot, duta, conversation, callback.payload.removeprefix(RATE_ACTION))
        return
    await _answer_query(query)  # stops the button's spinner
    if callback is not None and callback.own and callback.payload == CHOSEN_ACTION:
        return  # the mark of an earlier choice
    if message is not None:
        await _mark_chosen(bot, message, query.data)
    if callback is None:
        if await duta.admit(bot, conversation, user):
            await _menu_instead(duta, bot, conversation, user)
    elif callback.own and callback.payload.startswith(FORGET_ACTION):
        if await duta.admit(bot, conversation, user):
            answer = callback.payload.removeprefix(FORGET_ACTION)
            await _forget_answered(duta, bot, conversation, user, answer)
    elif callback.own:
        language = as_language(callback.payload.removeprefix(LANG_ACTION))
        if (
            callback.payload.startswith(LANG_ACTION)
            and language
            and await duta.admit(bot, conversation, user)
        ):
            await _switch_language(duta, bot, conversation, user, language, None)
    elif await duta.admit(bot, conversation, user, callback.payload):
        async with duta.chats.lock(conversation):
            reply = await duta.ask(conversation, user, callback.payload)
            if reply.fallback:
                # A button stands for a question Duta knows; no answer means the button is stale
                # (the form it belonged to was reset or has ended).
                await _menu_instead(duta, bot, conversation, user, locked=True)
                return
            await duta.send_reply(bot, conversation, reply)


async def _answer_query(query: CallbackQuery, notice: str | None = None) -> None:
    try:
        await query.answer(text=notice)
    except TelegramAPIError as error:
        log.debug("callback answer failed", extra=fields(error=type(error).__name__))


async def _rate(
    query: CallbackQuery, bot: Bot, duta: Connector, conversation: Conversation, data: str
) -> None:
    """A thumb under an answer: the vote kept (one per person and answer, the other thumb
    replaces it), thanks in the answer's language as the button's notice, and the pressed thumb
    marked; both stay, so the vote can still change."""
    user = query.from_user
    if not await duta.admit(bot, conversation, user):
        await _answer_query(query)
        return
    vote, _, answer_id = data.partition(":")
    try:
        outcome = await duta.rate(answer_id, user, "up" if vote == "up" else "down")
    except UnknownAnswer:
        # Past retention, or the console's file was replaced: nothing left to rate.
        await _answer_query(query, text("rating_expired", duta.own_language(conversation, user)))
        return
    except (OSError, sqlite3.Error) as error:
        log.warning("telegram rating not kept", extra=fields(error=str(error)))
        await _answer_query(query, text("internal_error", duta.own_language(conversation, user)))
        return
    log.info(
        "telegram answer rated",
        extra=fields(chat=duta.chat_hash(conversation), vote=outcome.vote, changed=outcome.changed),
    )
    language = as_language(outcome.answer.language) or duta.own_language(conversation, user)
    await _answer_query(query, text(f"rating_thanks_{outcome.vote}", language))
    if isinstance(query.message, Message) and outcome.changed:
        await _mark_vote(bot, query.message, query.data)


async def _mark_vote(bot: Bot, message: Message, data: str | None) -> None:
    """The pressed thumb gets the check mark, the other loses it; the other buttons stay."""
    markup = message.reply_markup
    if markup is None:
        return
    prefix = CallbackCodec.encode_own(RATE_ACTION)

    def marked(button: InlineKeyboardButton) -> InlineKeyboardButton:
        own = button.callback_data or ""
        if not own.startswith(prefix):
            return button
        thumb = THUMBS["up" if own.startswith(f"{prefix}up:") else "down"]
        mark = CHOSEN_MARK if own == data else ""
        return InlineKeyboardButton(text=mark + thumb, callback_data=own)

    builder = InlineKeyboardBuilder()
    for row in markup.inline_keyboard:
        builder.row(*(marked(b) for b in row))
    try:
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=builder.as_markup(),
        )
    except TelegramAPIError as error:  # too old to edit, or gone: the vote is kept anyway
        log.debug("thumbs not marked", extra=fields(error=type(error).__name__))


async def _mark_chosen(bot: Bot, message: Message, data: str | None) -> None:
    """The keyboard under the message becomes the chosen button alone, with a check mark."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup else []
    chosen = next((b for row in rows for b in row if b.callback_data == data), None)
    if chosen is None:
        return
    mark = InlineKeyboardBuilder().button(
        text=CHOSEN_MARK + chosen.text, callback_data=CallbackCodec.encode_own(CHOSEN_ACTION)
    )
    try:
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id,
            message_id=message.message_id,
            reply_markup=mark.as_markup(),
        )
    except TelegramAPIError as error:  # the message is too old to edit, or gone: cosmetic
        log.debug("keyboard not marked", extra=fields(error=type(error).__name__))


async def _menu_instead(
    duta: Connector,
    bot: Bot,
    conversation: Conversation,
    user: User | None,
    locked: bool = False,
) -> None:
    """ "That button has expired" and the current menu."""
    language = duta.own_language(conversation, user)
    await duta.say(bot, conversation, text("button_expired", language))
    if locked:
        menu = await duta.ask(conversation, user, MENU_PAYLOAD)
        await duta.send_reply(bot, conversation, menu)
    else:
        await _ask(duta, bot, conversation, user, MENU_PAYLOAD, None)


async def on_error(event: ErrorEvent, bot: Bot, duta: Connector) -> bool:
    """Logs (no ids in clear, no message text) and apologises; the update counts as handled."""
    error = event.exception
    conversation = _conversation(event.update)
    frames = traceback.extract_tb(error.__traceback__)
    log.error(
        "telegram update failed",
        extra=fields(
            update_type=event.update.event_type,
            chat=duta.chat_hash(conversation) if conversation is not None else None,
            error=type(error).__name__,
            # Where, not what: an exception's message may quote the user's text.
            where=[f"{f.filename}:{f.lineno} {f.name}" for f in frames[-5:]],
        ),
    )
    if conversation is not None:
        try:
            language = duta.own_language(conversation, _user(event.update))
            await duta.send_reply(bot, conversation, apology("internal_error", language))
        except Exception as again:  # nothing is left to try
            log.warning("apology not sent", extra=fields(error=type(again).__name__))
    return True


async def _ask(
    duta: Connector,
    bot: Bot,
    conversation: Conversation,
    user: User | None,
    said: str,
    reply_to: int | None,
) -> None:
    """A command's payload through Rasa (no rate limit check: the command already counted)."""
    async with duta.chats.lock(conversation):
        reply = await duta.ask(conversation, user, said)
        await duta.send_reply(bot, conversation, reply, reply_to=reply_to)


async def _switch_language(
    duta: Connector,
    bot: Bot,
    conversation: Conversation,
    user: User | None,
    language: str,
    reply_to: int | None,
) -> None:
    chosen = as_language(language)
    if chosen is None:
        return
    duta.chats.choose(conversation, chosen)
    await _ask(duta, bot, conversation, user, language_payload(chosen), reply_to)


async def _show_language_choice(
    duta: Connector, bot: Bot, conversation: Conversation, user: User | None, reply_to: int | None
) -> None:
    buttons = [Button(LANGUAGE_NAMES[lang], LANG_ACTION + lang) for lang in LANGUAGES]
    body = text("lang_usage", duta.own_language(conversation, user))
    await duta.say(bot, conversation, body, buttons, own=True, reply_to=reply_to)


async def _without_mention(said: str, bot: Bot) -> str:
    me = await bot.me()
    if not me.username:
        return said.strip()
    return re.sub(rf"@{re.escape(me.username)}\b", " ", said, flags=re.IGNORECASE).strip()


def _conversation(update: Update) -> Conversation | None:
    event = update.event
    if isinstance(event, Message):
        return conversation_of(event)
    if isinstance(event, CallbackQuery):
        if isinstance(event.message, Message):
            return conversation_of(event.message, event.from_user)
        return Conversation(event.from_user.id)
    return None


def _user(update: Update) -> User | None:
    event = update.event
    return event.from_user if isinstance(event, Message | CallbackQuery) else None

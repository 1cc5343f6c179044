"""The connector's handlers, fed real aiogram updates; Telegram and Rasa replaced by recorders.

The Bot API side is a session that records each call (and fails sendChatAction, as the tests'
emulator does); Rasa is a stub with RasaClient's interface. The integration suite runs the same
paths against telegram-test-api and the real stack.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramForbiddenError, TelegramServerError
from aiogram.methods import (
    AnswerCallbackQuery,
    GetMe,
    SendChatAction,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import Chat, Message, Update, User

from bot.i18n import text
from bot.logging_setup import Pseudonymizer
from bot.rasa_client import UpstreamUnavailable
from bot.rate_limit import RateLimiter
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.connector import Connector
from bot.telegram.handlers import build_router
from bot.telegram.state import ChatMemory
from bot.telegram.texts import tg_text

BOT_ID = 4242
BOT_USERNAME = "DutaBot"
_ids = itertools.count(1000)


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.blocked = False  # the user blocked the bot: every send is forbidden

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.calls.append(method)
        if isinstance(method, SendChatAction):
            raise TelegramServerError(method=method, message="API method not supported")
        if isinstance(method, GetMe):
            return User(id=BOT_ID, is_bot=True, first_name="Duta", username=BOT_USERNAME)
        if isinstance(method, SendMessage):
            if self.blocked:
                raise TelegramForbiddenError(method=method, message="bot was blocked by the user")
            chat = Chat(id=int(method.chat_id), type="private")
            return Message(message_id=next(_ids), date=datetime.datetime.now(), chat=chat)
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""

    def sent(self) -> list[SendMessage]:
        return [c for c in self.calls if isinstance(c, SendMessage)]


class StubRasa:
    """RasaClient's interface; answers what a test sets, records what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.output: list[dict[str, Any]] = [{"text": "Jawaban."}]
        self.slot: str | None = None
        self.error: Exception | None = None

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> Any:
        self.received.append((sender, message, dict(metadata)))
        await asyncio.sleep(0)  # a real call waits for the network: "typing…" starts meanwhile
        if self.error:
            raise self.error
        return self.output

    async def language(self, sender: str) -> str | None:
        return self.slot

    @property
    def messages(self) -> list[str]:
        return [message for _, message, _ in self.received]


class Harness:
    def __init__(self, sender_per_minute: int = 20) -> None:
        self.session = RecordingSession()
        self.bot = Bot("42:TEST-token", session=self.session)
        self.rasa = StubRasa()
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(build_router())
        self.dispatcher["duta"] = Connector(
            rasa=self.rasa,  # type: ignore[arg-type]
            limiter=RateLimiter(sender_per_minute),
            notices=RateLimiter(1),
            pseudonymize=Pseudonymizer("salt"),
            codec=CallbackCodec(),
            chats=ChatMemory(),
            max_message_chars=1000,
            part_chars=4096,
        )
        self.update_ids = itertools.count(1)

    async def feed(self, kind: str, body: dict[str, Any]) -> None:
        update = Update.model_validate(
            {"update_id": next(self.update_ids), kind: body}, context={"bot": self.bot}
        )
        await self.dispatcher.feed_update(self.bot, update)

    async def message(self, kind: str = "message", **fields: Any) -> None:
        await self.feed(kind, message_body(**fields))

    def texts(self) -> list[str]:
        return [m.text for m in self.session.sent()]


def message_body(
    text: str | None = None,
    user_id: int = 7,
    chat_id: int | None = None,
    chat_type: str = "private",
    language_code: str | None = "en",
    **extra: Any,
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "U"}
    if language_code:
        user["language_code"] = language_code
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 1_700_000_000,
        "chat": {"id": chat_id if chat_id is not None else user_id, "type": chat_type},
        "from": user,
        **extra,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            name = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(name)}]
    return body


def callback_body(user_id: int, data: str) -> dict[str, Any]:
    """A press on a button under a bot message in the user's private chat."""
    bot_message = message_body(text="menu", user_id=user_id)
    bot_message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Duta"}
    return {
        "id": f"cb{next(_ids)}",
        "from": message_body(user_id=user_id)["from"],
        "chat_instance": "instance",
        "message": bot_message,
        "data": data,
    }


@pytest.fixture
def harness() -> Harness:
    return Harness()


async def test_a_question_goes_to_rasa_and_the_answer_comes_back_rendered(
    harness: Harness,
) -> None:
    harness.rasa.output = [
        {"text": "ICDD: 16 November 2021 <Jakarta>.", "buttons": [{"title": "Acara",
                                                                  "payload": "/ask_events"}]},
        {"custom": {"duta": {"sources": [{"title": "Kemlu", "url": "https://kemlu.go.id",
                                          "date": "2021-11-17"}], "fallback": False}}},
    ]  # fmt: skip
    harness.rasa.slot = "id"
    await harness.message(text="Kapan ICDD diadakan?", user_id=11, language_code="id")

    assert harness.rasa.received == [
        ("tg:11", "Kapan ICDD diadakan?", {"channel": "telegram", "language": "id"})
    ]
    [sent] = harness.session.sent()
    assert sent.chat_id == 11
    assert sent.text.startswith("ICDD: 16 November 2021 &lt;Jakarta&gt;.")
    assert '<a href="https://kemlu.go.id">Kemlu</a> (2021-11-17)' in sent.text
    assert sent.reply_markup is not None
    [[button]] = sent.reply_markup.inline_keyboard
    assert (button.text, button.callback_data) == ("Acara", "/ask_events")
    # "typing…" was tried, failed as on the emulator, and changed nothing.
    assert any(isinstance(c, SendChatAction) for c in harness.session.calls)


async def test_start_greets_in_the_telegram_language_then_shows_the_menu(
    harness: Harness,
) -> None:
    await harness.message(text="/start", user_id=21, language_code="id")
    await harness.message(text="/start", user_id=22, language_code="en-US")
    texts = harness.texts()
    assert texts[0] == tg_text("welcome", "id")
    assert texts[2] == tg_text("welcome", "en")
    assert harness.rasa.received == [
        ("tg:21", "/help", {"channel": "telegram", "language": "id"}),
        ("tg:22", "/help", {"channel": "telegram", "language": "en"}),
    ]


async def test_lang_switches_through_rasa_and_becomes_the_hint(harness: Harness) -> None:
    await harness.message(text="/lang en", user_id=31, language_code="id")
    await harness.message(text="ok", user_id=31, language_code="id")
    message = harness.rasa.messages[0]
    assert json.loads(message.removeprefix("/change_language")) == {"language": "en"}
    assert harness.rasa.received[1][2]["language"] == "en"


async def test_lang_without_a_language_offers_both_as_buttons(harness: Harness) -> None:
    await harness.message(text="/lang", user_id=32, language_code="id")
    [sent] = harness.session.sent()
    assert sent.text == tg_text("lang_usage", "id")
    assert sent.reply_markup is not None
    data = [row[0].callback_data for row in sent.reply_markup.inline_keyboard]
    assert data == ["!lang:id", "!lang:en"]
    assert harness.rasa.received == []

    await harness.feed("callback_query", callback_body(32, "!lang:en"))
    assert harness.rasa.messages == ['/change_language{"language": "en"}']


async def test_reset_restarts_the_rasa_conversation(harness: Harness) -> None:
    harness.rasa.output = []  # what Rasa answers to /restart
    await harness.message(text="/reset", user_id=33, language_code="en")
    assert harness.rasa.messages == ["/restart"]
    assert harness.texts() == [tg_text("reset_done", "en")]


async def test_a_button_press_is_answered_and_its_payload_goes_to_rasa(harness: Harness) -> None:
    connector: Connector = harness.dispatcher["duta"]
    long_payload = '/inform{"visa_direction": "to_indonesia", "visa_purpose": "tourism", "n": 1}'
    key = connector.codec.encode(long_payload)
    await harness.feed("callback_query", callback_body(41, key))
    assert any(isinstance(c, AnswerCallbackQuery) for c in harness.session.calls)
    assert harness.rasa.received[0][:2] == ("tg:41", long_payload)


async def test_an_expired_button_says_so(harness: Harness) -> None:
    await harness.feed("callback_query", callback_body(42, "#unknownkey0000"))
    assert harness.texts() == [tg_text("button_expired", "en")]
    assert harness.rasa.received == []


async def test_edited_messages_are_answered_like_new_ones(harness: Harness) -> None:
    await harness.message("edited_message", text="Kapan ICDD?", user_id=51, edit_date=1_700_000_5)
    assert harness.rasa.messages == ["Kapan ICDD?"]
    assert len(harness.session.sent()) == 1


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ({"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]},
         "text_only"),
        ({"sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1,
                      "height": 1, "is_animated": False, "is_video": False}}, "text_only"),
        ({"voice": {"file_id": "f", "file_unique_id": "u", "duration": 2}}, "text_only"),
        ({"document": {"file_id": "f", "file_unique_id": "u"}}, "text_only"),
        ({"location": {"latitude": -6.2, "longitude": 106.8}}, "location"),
    ],
)  # fmt: skip
async def test_non_text_messages_get_a_helpful_answer_in_the_users_language(
    harness: Harness, content: dict[str, Any], key: str
) -> None:
    await harness.message(user_id=61, language_code="id", **content)
    assert harness.texts() == [tg_text(key, "id")]
    assert harness.rasa.received == []


async def test_service_messages_get_no_answer(harness: Harness) -> None:
    await harness.message(user_id=62, new_chat_title="Grup baru")
    assert harness.session.sent() == []


async def test_in_groups_only_mentions_and_replies_are_answered(harness: Harness) -> None:
    group = {"chat_id": -100, "chat_type": "supergroup", "user_id": 71}
    await harness.message(text="kapan ICDD?", **group)
    await harness.message(user_id=71, chat_id=-100, chat_type="supergroup",
                          photo=[{"file_id": "f", "file_unique_id": "u", "width": 1,
                                  "height": 1}])  # fmt: skip
    assert harness.rasa.received == [] and harness.session.sent() == []

    mention = f"@{BOT_USERNAME} kapan ICDD?"
    entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    await harness.message(text=mention, entities=[entity], **group)
    bot_message = message_body(text="Jawaban.", user_id=BOT_ID, chat_id=-100)
    bot_message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Duta"}
    await harness.message(text="dan RCDD?", reply_to_message=bot_message, **group)

    assert harness.rasa.received == [
        ("tg:-100", "kapan ICDD?", {"channel": "telegram", "language": "en"}),
        ("tg:-100", "dan RCDD?", {"channel": "telegram", "language": "en"}),
    ]
    assert [m.chat_id for m in harness.session.sent()] == [-100, -100]


async def test_a_flood_is_limited_with_one_polite_notice() -> None:
    harness = Harness(sender_per_minute=5)
    for _ in range(9):
        await harness.message(text="halo", user_id=81, language_code="id")
    assert len(harness.rasa.received) == 5
    notices = [t for t in harness.texts() if t != "Jawaban."]
    assert len(notices) == 1
    assert notices[0].startswith("Mohon maaf, pesan Anda terlalu banyak.")
    # Another user is not affected.
    await harness.message(text="halo", user_id=82)
    assert len(harness.rasa.received) == 6


async def test_rasa_down_gets_an_apology_in_the_users_language(harness: Harness) -> None:
    harness.rasa.error = UpstreamUnavailable("rasa", "webhook", "connection refused")
    await harness.message(text="When was ICDD held?", user_id=91, language_code="en")
    assert harness.texts() == [text("upstream_unavailable", "en")]


async def test_action_server_down_is_not_silence(harness: Harness) -> None:
    harness.rasa.output = []  # Rasa's answer when an action failed
    await harness.message(text="Kapan ICDD diadakan?", user_id=92, language_code="id")
    assert harness.texts() == [text("no_answer", "id")]


async def test_an_unexpected_error_is_logged_without_text_and_apologised_for(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.rasa.error = RuntimeError("boom: Kapan ICDD diadakan?")
    await harness.message(text="Kapan ICDD diadakan?", user_id=93, language_code="id")
    assert harness.texts() == [text("internal_error", "id")]
    [record] = [r for r in caplog.records if r.getMessage() == "telegram update failed"]
    logged = json.dumps(record.fields)  # type: ignore[attr-defined]
    assert "RuntimeError" in logged
    assert "Kapan" not in logged and "93" not in logged


async def test_overlong_messages_are_refused_politely(harness: Harness) -> None:
    await harness.message(text="a " * 600, user_id=94, language_code="en")
    assert harness.texts() == [text("message_too_long", "en", max_chars=1000)]
    assert harness.rasa.received == []


async def test_a_user_who_blocked_the_bot_is_not_retried_or_apologised_to(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.session.blocked = True
    harness.rasa.output = [{"text": "Satu."}, {"text": "Dua."}]
    await harness.message(text="Kapan ICDD diadakan?", user_id=95, language_code="id")
    assert len(harness.session.sent()) == 1  # the second message is not even tried
    assert not [r for r in caplog.records if r.getMessage() == "telegram update failed"]

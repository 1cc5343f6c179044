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
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramForbiddenError, TelegramServerError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    GetMe,
    SendChatAction,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import Chat, Message, Update, User
from limits.aio.storage import MemoryStorage

from bot.feedback import FeedbackBox
from bot.i18n import text
from bot.logging_setup import Pseudonymizer
from bot.rasa_client import UpstreamUnavailable
from bot.rate_limit import RateLimiter
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.connector import Connector
from bot.telegram.handlers import build_router
from bot.telegram.session import ChatActionIsCosmetic
from bot.telegram.state import ChatMemory

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
        # A real call waits for the network: "typing…" starts meanwhile (aiogram's sender takes
        # a few turns of the loop before its first chat action).
        await asyncio.sleep(0.005)
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
        # As create_bot's session: a refused "typing…" is reported as not shown, never raised.
        self.session.middleware(ChatActionIsCosmetic())
        self.bot = Bot("42:TEST-token", session=self.session)
        self.rasa = StubRasa()
        storage = MemoryStorage()
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(build_router())
        self.dispatcher["duta"] = Connector(
            rasa=self.rasa,  # type: ignore[arg-type]
            limiter=RateLimiter(sender_per_minute, storage, "sender"),
            notices=RateLimiter(1, storage, "telegram-notice"),
            pseudonymize=Pseudonymizer("salt"),
            codec=CallbackCodec(),
            chats=ChatMemory(),
            max_message_chars=1000,
            part_chars=4096,
            # Feeds here are one after another: no burst to wait for (the burst test sets its own).
            burst_quiet_seconds=0.0,
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
    assert texts[0] == text("welcome", "id")
    assert texts[2] == text("welcome", "en")
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
    assert sent.text == text("lang_usage", "id")
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
    assert harness.texts() == [text("reset_done", "en")]


async def test_a_button_press_is_answered_and_its_payload_goes_to_rasa(harness: Harness) -> None:
    connector: Connector = harness.dispatcher["duta"]
    long_payload = '/inform{"visa_direction": "to_indonesia", "visa_purpose": "tourism", "n": 1}'
    key = connector.codec.encode(long_payload)
    await harness.feed("callback_query", callback_body(41, key))
    assert any(isinstance(c, AnswerCallbackQuery) for c in harness.session.calls)
    assert harness.rasa.received[0][:2] == ("tg:41", long_payload)


async def test_an_expired_button_says_so_and_shows_the_menu(harness: Harness) -> None:
    await harness.feed("callback_query", callback_body(42, "#unknownkey0000"))
    assert harness.texts() == [text("button_expired", "en"), "Jawaban."]
    assert harness.rasa.messages == ["/help"]


async def test_a_stale_button_gets_the_menu_not_the_fallback(harness: Harness) -> None:
    """After /reset the form a button belonged to is gone: Rasa has no answer for it."""
    no_answer = [{"text": "Maaf, saya belum punya jawaban."},
                 {"custom": {"duta": {"fallback": True}}}]  # fmt: skip
    menu = [{"text": "Topik:", "buttons": [{"title": "Visa", "payload": "/ask_visa"}]}]
    outputs = iter([no_answer, menu])

    async def send(sender: str, message: str, metadata: dict[str, Any]) -> Any:
        harness.rasa.received.append((sender, message, metadata))
        return next(outputs)

    harness.rasa.send = send  # type: ignore[method-assign]
    await harness.feed("callback_query", callback_body(43, '/inform{"visa_purpose": "work"}'))
    assert harness.rasa.messages == ['/inform{"visa_purpose": "work"}', "/help"]
    assert harness.texts() == [text("button_expired", "en"), "Topik:"]


async def test_a_pressed_button_is_shown_as_chosen(harness: Harness) -> None:
    body = callback_body(44, "/ask_visa")
    body["message"]["reply_markup"] = {"inline_keyboard": [
        [{"text": "Visa", "callback_data": "/ask_visa"}],
        [{"text": "Safe Travel", "callback_data": "/ask_safe_travel"}],
    ]}  # fmt: skip
    await harness.feed("callback_query", body)
    [edit] = [c for c in harness.session.calls if isinstance(c, EditMessageReplyMarkup)]
    assert edit.message_id == body["message"]["message_id"]
    assert edit.reply_markup is not None
    [[chosen]] = edit.reply_markup.inline_keyboard
    assert chosen.text == "✓ Visa" and chosen.callback_data == "!chosen"
    # Pressing the mark does nothing.
    calls = len(harness.session.calls)
    body = callback_body(44, "!chosen")
    await harness.feed("callback_query", body)
    assert not harness.session.sent()[1:] and harness.rasa.messages == ["/ask_visa"]
    assert len(harness.session.calls) == calls + 1  # only the callback's answer


async def test_an_edit_of_the_last_message_is_answered_once_as_a_correction(
    harness: Harness,
) -> None:
    first = message_body(text="Kapan ICDD?", user_id=51)
    await harness.feed("message", first)
    latest = message_body(text="Di mana ICDD?", user_id=51)
    await harness.feed("message", latest)
    corrected = {**latest, "text": "Di mana RCDD?", "edit_date": 1_700_000_500}
    await harness.feed("edited_message", corrected)
    assert harness.rasa.messages == ["Kapan ICDD?", "Di mana ICDD?", "Di mana RCDD?"]
    # An older message edited: its answer stands, no second one.
    await harness.feed(
        "edited_message", {**first, "text": "Kapan RCDD?", "edit_date": 1_700_000_600}
    )
    assert harness.rasa.messages == ["Kapan ICDD?", "Di mana ICDD?", "Di mana RCDD?"]
    assert len(harness.session.sent()) == 3


async def test_a_caption_is_read_as_the_message(harness: Harness) -> None:
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    await harness.message(user_id=52, photo=photo, caption="Kapan ICDD diadakan?")
    assert harness.rasa.messages == ["Kapan ICDD diadakan?"]


async def test_an_unknown_command_gets_the_command_list(harness: Harness) -> None:
    await harness.message(text="/foo", user_id=53, language_code="en")
    texts = harness.texts()
    assert texts[0] == text("unknown_command", "en")
    assert texts[1] == text("help", "en", username=BOT_USERNAME)
    assert harness.rasa.received == []
    # Another bot's command in a group is not ours.
    await harness.message(text="/foo@OtherBot", user_id=53, chat_id=-5, chat_type="group")
    assert len(harness.texts()) == 2


async def test_privacy_about_and_feedback(harness: Harness, tmp_path: Path) -> None:
    connector: Connector = harness.dispatcher["duta"]
    connector.retention_days = 90
    connector.feedback = FeedbackBox(tmp_path / "feedback.jsonl")
    await harness.message(text="/privacy", user_id=54, language_code="en")
    await harness.message(text="/about", user_id=54, language_code="en")
    await harness.message(text="/feedback", user_id=54, language_code="en")
    await harness.message(text="/feedback The e-VOA answer was unclear", user_id=54)
    assert harness.texts() == [
        text("privacy", "en", days=90),
        text("about", "en"),
        text("feedback_usage", "en"),
        text("feedback_thanks", "en"),
    ]
    [entry] = connector.feedback.entries()
    assert entry["text"] == "The e-VOA answer was unclear" and entry["channel"] == "telegram"
    assert (tmp_path / "feedback.jsonl").stat().st_mode & 0o077 == 0
    assert harness.rasa.received == []


async def test_a_lang_choice_holds_for_the_following_messages(harness: Harness) -> None:
    await harness.message(text="/lang id", user_id=55, language_code="en")
    await harness.message(text="When was ICDD held?", user_id=55, language_code="en")
    metadata = harness.rasa.received[1][2]
    assert metadata["language_choice"] == "id"


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
    assert harness.texts() == [text(key, "id")]
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
        ("tg:-100:u71", "kapan ICDD?", {"channel": "telegram", "language": "en"}),
        ("tg:-100:u71", "dan RCDD?", {"channel": "telegram", "language": "en"}),
    ]
    sent = harness.session.sent()
    assert [m.chat_id for m in sent] == [-100, -100]
    # Each answer replies to the message it answers, so the group sees whom it is for.
    assert all(m.reply_parameters is not None for m in sent)


async def test_group_members_and_forum_topics_have_conversations_of_their_own(
    harness: Harness,
) -> None:
    mention = f"@{BOT_USERNAME} visa"
    entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    group = {"chat_id": -200, "chat_type": "supergroup", "entities": [entity]}
    await harness.message(text=mention, user_id=72, **group)
    await harness.message(text=mention, user_id=73, **group)
    topic = {"message_thread_id": 9, "is_topic_message": True}
    await harness.message(text=mention, user_id=72, **group, **topic)
    senders = [sender for sender, _, _ in harness.rasa.received]
    assert senders == ["tg:-200:u72", "tg:-200:u73", "tg:-200:t9:u72"]
    assert harness.session.sent()[-1].message_thread_id == 9


async def test_a_burst_is_answered_once_for_what_came_while_answering() -> None:
    harness = Harness()
    connector: Connector = harness.dispatcher["duta"]
    connector.burst_quiet_seconds = 0.05
    release = asyncio.Event()

    async def slow_send(sender: str, message: str, metadata: dict[str, Any]) -> Any:
        harness.rasa.received.append((sender, message, metadata))
        await release.wait()
        return [{"text": "Jawaban."}]

    harness.rasa.send = slow_send  # type: ignore[method-assign]
    feeds = [asyncio.create_task(harness.message(text=f"pesan {n}", user_id=84)) for n in range(30)]
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.gather(*feeds)
    assert harness.rasa.messages[0] == "pesan 0"
    assert len(harness.rasa.received) == 2
    assert harness.rasa.messages[1].splitlines()[-1] == "pesan 29"
    assert harness.texts() == ["Jawaban.", "Jawaban."]


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
    # An id no line number in the logged code locations can contain.
    await harness.message(text="Kapan ICDD diadakan?", user_id=930017, language_code="id")
    assert harness.texts() == [text("internal_error", "id")]
    [record] = [r for r in caplog.records if r.getMessage() == "telegram update failed"]
    logged = json.dumps(record.fields)  # type: ignore[attr-defined]
    assert "RuntimeError" in logged
    assert "Kapan" not in logged and "930017" not in logged


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


async def test_a_failed_answer_does_not_leave_the_conversation_waiting(harness: Harness) -> None:
    harness.rasa.error = RuntimeError("a bug")
    await harness.message(text="halo", user_id=85, language_code="en")
    assert harness.texts() == [text("internal_error", "en")]
    harness.rasa.error = None
    await harness.message(text="halo lagi", user_id=85)
    assert harness.rasa.messages == ["halo", "halo lagi"]
    assert harness.texts()[-1] == "Jawaban."


async def test_a_language_asked_for_in_words_holds_like_a_lang_choice(harness: Harness) -> None:
    harness.rasa.output = [
        {"custom": {"duta": {"language": "en", "language_chosen": True}}},
        {"text": "OK, English from now on."},
    ]
    await harness.message(text="answer in English please", user_id=86, language_code="id")
    harness.rasa.output = [{"text": "Jawaban."}]
    await harness.message(text="kapan ICDD?", user_id=86, language_code="id")
    assert harness.rasa.received[1][2]["language_choice"] == "en"


async def test_a_deep_link_from_a_missions_page_travels_with_every_message(
    harness: Harness,
) -> None:
    await harness.message(text="/start mission-kbri-tokyo", user_id=87)
    await harness.message(text="I lost my passport", user_id=87)
    assert harness.rasa.received[-1][2]["mission"] == "kbri-tokyo"
    await harness.message(text="/start mission-Bad_Id!", user_id=88)
    await harness.message(text="I lost my passport", user_id=88)
    assert "mission" not in harness.rasa.received[-1][2]

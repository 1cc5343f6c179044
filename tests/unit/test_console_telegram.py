"""Telegram's turns reach the console too (bot/telegram/connector.py): a fallback joins the queue,
an answer with sources gets thumbs up/down whose votes are kept, and a thumbs down joins the queue
as "unhelpful". The console's store is real (a temporary file); Telegram and Rasa are the
handler tests' recorders."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup
from aiohttp import web

from admin.console import CONSOLE_STORE, RATINGS, record_turn
from admin.console.ratings import RatingStore
from admin.console.store import ConsoleStore
from bot.i18n import text

from .test_telegram_handlers import BOT_ID, Harness, message_body

FALLBACK = [
    {"text": "Maaf, saya belum punya jawaban."},
    {"custom": {"duta": {"fallback": True, "language": "id"}}},
]
ANSWER = [
    {"custom": {"duta": {"language": "en"}}},
    {"text": "The e-VOA costs IDR 500,000."},
    {"custom": {"duta": {"sources": [{"title": "Imigrasi", "url": "https://imigrasi.go.id",
                                      "date": "2026-01-02"}], "fallback": False}}},
]  # fmt: skip


def console_harness(tmp_path: Path) -> tuple[Harness, ConsoleStore, RatingStore]:
    store = ConsoleStore(tmp_path / "console.db")
    app = web.Application()
    app[CONSOLE_STORE] = store
    app[RATINGS] = ratings = RatingStore(store)
    harness = Harness()
    harness.dispatcher["duta"].record = functools.partial(record_turn, app, "telegram")
    harness.dispatcher["duta"].ratings = ratings
    return harness, store, ratings


async def press(harness: Harness, user_id: int, sent: Any, data: str) -> None:
    bot_message = message_body(text=sent.text, user_id=user_id)
    bot_message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Duta"}
    bot_message["reply_markup"] = sent.reply_markup.model_dump(exclude_none=True)
    query = {
        "id": "cb-rate",
        "from": message_body(user_id=user_id)["from"],
        "chat_instance": "instance",
        "message": bot_message,
        "data": data,
    }
    await harness.feed("callback_query", query)


def thumbs(sent: Any) -> list[Any]:
    return [
        b for row in sent.reply_markup.inline_keyboard for b in row if "rate:" in b.callback_data
    ]


async def test_a_fallback_on_telegram_is_queued_and_an_answer_is_not(tmp_path: Path) -> None:
    harness, store, _ = console_harness(tmp_path)
    await harness.message(text="Apakah perpustakaan Kemlu buka?")
    assert store.open_unanswered() == []  # the stub answers: not a fallback
    harness.rasa.output = FALLBACK
    await harness.message(text="Apakah museum Kemlu buka hari Minggu?")
    [queued] = store.open_unanswered()
    assert (queued.language, queued.reason, queued.text) == (
        "id", "fallback", "Apakah museum Kemlu buka hari Minggu?",
    )  # fmt: skip
    assert all(thumbs(m) == [] for m in harness.session.sent() if m.reply_markup)


async def test_thumbs_under_an_answer_keep_one_vote_per_person(tmp_path: Path) -> None:
    harness, store, ratings = console_harness(tmp_path)
    harness.rasa.output = ANSWER
    await harness.message(text="How much is the e-VOA? my name is Ann Lee", user_id=31)
    [sent] = harness.session.sent()
    up, down = thumbs(sent)
    assert (up.text, down.text) == ("\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}")
    answer_id = down.callback_data.rsplit(":", 1)[1]
    assert ratings.answer(answer_id) is not None

    await press(harness, 31, sent, down.callback_data)
    [thanks] = [c for c in harness.session.calls if isinstance(c, AnswerCallbackQuery)]
    assert thanks.text == text("rating_thanks_down", "en")
    [edit] = [c for c in harness.session.calls if isinstance(c, EditMessageReplyMarkup)]
    assert [b.text for b in edit.reply_markup.inline_keyboard[-1]] == [
        "\N{THUMBS UP SIGN}", "✓ \N{THUMBS DOWN SIGN}",
    ]  # fmt: skip
    [queued] = store.open_unanswered()
    assert (
        queued.reason == "unhelpful" and queued.text == "How much is the e-VOA? my name is [NAME]"
    )

    await press(harness, 31, sent, down.callback_data)  # the same thumb again: nothing new
    assert len(store.open_unanswered()) == 1 and ratings.votes(answer_id) == {"down": 1}
    await press(harness, 31, sent, up.callback_data)  # changed: out of the queue
    assert store.open_unanswered() == [] and ratings.votes(answer_id) == {"up": 1}
    await press(harness, 32, sent, up.callback_data)  # another member of a group: a vote more
    assert ratings.votes(answer_id) == {"up": 2}


async def test_a_thumb_of_an_unknown_answer_says_so(tmp_path: Path) -> None:
    harness, store, _ = console_harness(tmp_path)
    harness.rasa.output = ANSWER
    await harness.message(text="How much is the e-VOA?", user_id=41)
    [sent] = harness.session.sent()
    await press(harness, 41, sent, "!rate:down:" + "x" * 22)
    [notice] = [c for c in harness.session.calls if isinstance(c, AnswerCallbackQuery)]
    assert notice.text == text("rating_expired", "en")
    assert store.open_unanswered() == []

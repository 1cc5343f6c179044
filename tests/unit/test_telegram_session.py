"""Bot API calls: flood control waited out, empty polls paced, "typing…" never in the way."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import GetMe, GetUpdates, SendChatAction, SendMessage, TelegramMethod

from bot.config import Settings
from bot.telegram import session as tg_session
from bot.telegram.session import EmptyPollPause, RetryAfterMiddleware, create_bot, typing

SEND = SendMessage(chat_id=1, text="hi")


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    recorder = Sleeps()
    monkeypatch.setattr(tg_session.asyncio, "sleep", recorder)
    return recorder


def flood_then(result: Any, floods: int, retry_after: int = 3) -> Any:
    calls = {"n": 0}

    async def make_request(bot: Bot, method: TelegramMethod[Any]) -> Any:
        calls["n"] += 1
        if calls["n"] <= floods:
            raise TelegramRetryAfter(method=method, message="Too Many Requests",
                                     retry_after=retry_after)  # fmt: skip
        return result

    make_request.calls = calls  # type: ignore[attr-defined]
    return make_request


async def test_flood_control_is_waited_out_and_the_call_retried(sleeps: Sleeps) -> None:
    make_request = flood_then("sent", floods=2)
    result = await RetryAfterMiddleware()(make_request, None, SEND)  # type: ignore[arg-type]
    assert result == "sent"
    assert sleeps.calls == [3, 3]


async def test_flood_control_gives_up_after_the_last_attempt(sleeps: Sleeps) -> None:
    make_request = flood_then("sent", floods=5)
    with pytest.raises(TelegramRetryAfter):
        await RetryAfterMiddleware(attempts=3)(make_request, None, SEND)  # type: ignore[arg-type]
    assert make_request.calls["n"] == 3


async def test_a_wait_longer_than_the_user_would_is_not_waited(sleeps: Sleeps) -> None:
    make_request = flood_then("sent", floods=1, retry_after=600)
    with pytest.raises(TelegramRetryAfter):
        await RetryAfterMiddleware(max_wait=60)(make_request, None, SEND)  # type: ignore[arg-type]
    assert sleeps.calls == []


async def test_typing_is_not_worth_a_wait(sleeps: Sleeps) -> None:
    action = SendChatAction(chat_id=1, action="typing")
    with pytest.raises(TelegramRetryAfter):
        await RetryAfterMiddleware()(flood_then(True, floods=1), None, action)  # type: ignore[arg-type]
    assert sleeps.calls == []


@pytest.mark.parametrize(
    ("method", "result", "paused"),
    [(GetUpdates(timeout=30), [], True), (GetUpdates(timeout=30), ["update"], False),
     (GetMe(), None, False)],
)  # fmt: skip
async def test_an_empty_poll_answered_at_once_pauses_the_poller(
    sleeps: Sleeps, method: TelegramMethod[Any], result: Any, paused: bool
) -> None:
    async def make_request(bot: Bot, method: TelegramMethod[Any]) -> Any:
        return result

    assert await EmptyPollPause(0.25)(make_request, None, method) == result  # type: ignore[arg-type]
    assert sleeps.calls == ([0.25] if paused else [])


class RefusingSession(BaseSession):
    """A Bot API server that refuses every chat action (as the tests' emulator does)."""

    def __init__(self, error: type[Exception] = TelegramNetworkError) -> None:
        super().__init__()
        self.error = error
        self.actions = 0

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if isinstance(method, SendChatAction):
            self.actions += 1
            if self.error is TelegramRetryAfter:
                raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)
            raise self.error(method=method, message="refused")
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""


def bot_on(session: BaseSession) -> Bot:
    """A Bot with create_bot's request middlewares, on a test session."""
    production = create_bot(Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:abcdefgh"}))
    for middleware in production.session.middleware:
        session.middleware(middleware)
    return Bot("123:abcdefgh", session=session)


@pytest.mark.parametrize("error", [TelegramNetworkError, TelegramRetryAfter])
async def test_typing_survives_a_server_that_refuses_it(error: type[Exception]) -> None:
    session = RefusingSession(error)
    async with typing(bot_on(session), chat_id=1):
        await tg_session.asyncio.sleep(0.01)
    assert session.actions == 1


async def test_typing_goes_on_after_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tg_session, "TYPING_EVERY_SECONDS", 0.01)
    session = RefusingSession()
    async with typing(bot_on(session), chat_id=1):
        await tg_session.asyncio.sleep(0.1)
    assert session.actions >= 3


async def test_a_refused_chat_action_is_reported_as_not_shown() -> None:
    bot = bot_on(RefusingSession())
    assert await bot.send_chat_action(chat_id=1, action="typing") is False
    assert await bot.send_message(chat_id=1, text="hi") is True  # other calls untouched


def test_the_bot_talks_to_the_configured_api_server() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": "123:abcdefgh", "TELEGRAM_API_BASE": "http://127.0.0.1:9000/"}
    )
    bot = create_bot(settings)
    assert (
        bot.session.api.api_url(bot.token, "getMe") == "http://127.0.0.1:9000/bot123:abcdefgh/getMe"
    )
    default = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:abcdefgh"})
    assert create_bot(default).session.api.base.startswith("https://api.telegram.org/")

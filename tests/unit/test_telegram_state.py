"""Per-chat memory: language hints from Telegram, bounded stores, answers kept in order."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.state import ChatMemory, language_from_code


@pytest.mark.parametrize(
    ("code", "language"),
    [("id", "id"), ("in", "id"), ("id-ID", "id"), ("en", "en"), ("en-GB", "en"),
     ("de", "en"), ("ms", "en"), ("pt_BR", "en"), (None, None), ("", None)],
)  # fmt: skip
def test_language_from_telegram_code(code: str | None, language: str | None) -> None:
    assert language_from_code(code) == language


def test_choice_wins_and_forget_clears_both() -> None:
    chats = ChatMemory()
    chats.remember_language(1, "id")
    chats.choose(1, "en")
    assert (chats.choice(1), chats.language(1)) == ("en", "en")
    chats.forget(1)
    assert (chats.choice(1), chats.language(1)) == (None, None)


def test_memory_is_bounded() -> None:
    chats = ChatMemory(capacity=2)
    for chat_id in (1, 2, 3):
        chats.remember_language(chat_id, "en")
    assert chats.language(1) is None and chats.language(3) == "en"


def test_memory_drops_the_least_recently_written() -> None:
    chats = ChatMemory(capacity=2)
    chats.remember_language(1, "en")
    chats.remember_language(2, "en")
    assert chats.language(1) == "en"  # a read does not keep it
    chats.remember_language(2, "id")  # a write does
    chats.remember_language(3, "en")
    assert (chats.language(1), chats.language(2), chats.language(3)) == (None, "id", "en")


async def test_one_chat_is_answered_in_arrival_order_and_locks_are_dropped() -> None:
    chats = ChatMemory()
    order: list[int] = []

    async def answer(chat_id: int, n: int, delay: float) -> None:
        async with chats.lock(chat_id):
            await asyncio.sleep(delay)
            order.append(n)

    # The first message takes longest; a lock-free handler would finish it last.
    await asyncio.gather(answer(7, 1, 0.05), answer(7, 2, 0.0), answer(7, 3, 0.01))
    assert order == [1, 2, 3]
    assert chats.locks_in_use() == 0


async def test_other_chats_do_not_wait() -> None:
    chats = ChatMemory()
    async with chats.lock(1):
        await asyncio.wait_for(_enter(chats, 2), timeout=1)


async def _enter(chats: ChatMemory, chat_id: int) -> None:
    async with chats.lock(chat_id):
        pass

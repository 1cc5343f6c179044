"""Telegram's unanswered questions reach the console's queue too (bot/telegram/connector.py)."""

from __future__ import annotations

from .test_telegram_handlers import Harness

FALLBACK = [
    {"text": "Maaf, saya belum punya jawaban."},
    {"custom": {"duta": {"fallback": True, "language": "id"}}},
]


async def test_a_fallback_on_telegram_is_queued_and_an_answer_is_not() -> None:
    harness = Harness()
    queued: list[tuple[str, str]] = []

    async def record(language: str, text: str) -> None:
        queued.append((language, text))

    harness.dispatcher["duta"].unanswered = record
    await harness.message(text="Apakah perpustakaan Kemlu buka?")
    assert queued == []  # the stub answers: not a fallback
    harness.rasa.output = FALLBACK
    await harness.message(text="Apakah museum Kemlu buka hari Minggu?")
    assert queued == [("id", "Apakah museum Kemlu buka hari Minggu?")]

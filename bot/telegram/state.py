"""What the connector remembers per chat, in memory and bounded: language and a lock.

Conversations themselves live in Rasa's tracker store; this is only what saves a round trip
(the language for the connector's own words) and what keeps one chat's answers in order.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.i18n import Language


class ChatMemory:
    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        # The conversation's language as Rasa last reported it.
        self._language: OrderedDict[int, Language] = OrderedDict()
        # The user's /lang choice: the hint sent to Rasa instead of Telegram's language_code.
        self._choice: OrderedDict[int, Language] = OrderedDict()
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    def language(self, chat_id: int) -> Language | None:
        return self._language.get(chat_id)

    def choice(self, chat_id: int) -> Language | None:
        return self._choice.get(chat_id)

    def remember_language(self, chat_id: int, language: Language) -> None:
        _put(self._language, chat_id, language, self._capacity)

    def choose(self, chat_id: int, language: Language) -> None:
        _put(self._choice, chat_id, language, self._capacity)
        self.remember_language(chat_id, language)

    def forget(self, chat_id: int) -> None:
        self._language.pop(chat_id, None)
        self._choice.pop(chat_id, None)

    @asynccontextmanager
    async def lock(self, chat_id: int) -> AsyncIterator[None]:
        """One answer at a time per chat, in arrival order (asyncio.Lock wakes waiters FIFO).

        Without it, two quick messages could be answered in the wrong order. A lock lives only
        while someone holds or waits for it, so the map stays as small as the chats in flight.
        """
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def locks_in_use(self) -> int:
        return len(self._locks)


def _put(store: OrderedDict[int, Language], key: int, value: Language, capacity: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > capacity:
        store.popitem(last=False)


def language_from_code(code: str | None) -> Language | None:
    """Telegram's `language_code` (the app's language, IETF tag) as a hint.

    "in" is the old code for Indonesian, still sent by some Android phones. Any other language
    maps to English: someone whose Telegram is in German or Japanese reads English more likely
    than Indonesian. No code at all gives no hint.
    """
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return "id" if primary in ("id", "in") else "en"

"""What the connector remembers per conversation, in memory and bounded.

A conversation is one person's: a private chat, or one member of a group (in one forum topic).
Conversations themselves live in Rasa's tracker store; this is only what saves a round trip (the
language for the connector's own words, the user's /lang choice), what keeps one conversation's
answers in order, the messages that arrived while an answer was being made (answered together as
one turn), and the last message answered (an edit of it is a correction; an edit of an older one
is not answered again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from cachetools import FIFOCache

from bot.i18n import Language

# A flood keeps at most this many waiting messages per conversation; older ones are dropped.
MAX_WAITING_MESSAGES = 20


@dataclass(frozen=True)
class Conversation:
    """Who Duta is talking to. `user_id` is set in groups only, `thread_id` in forum topics."""

    chat_id: int
    user_id: int | None = None
    thread_id: int | None = None

    @property
    def sender(self) -> str:
        """Rasa's sender id: "tg:<chat>" for a private chat, else with topic and member."""
        parts = [f"tg:{self.chat_id}"]
        if self.thread_id is not None:
            parts.append(f"t{self.thread_id}")
        if self.user_id is not None:
            parts.append(f"u{self.user_id}")
        return ":".join(parts)


@dataclass(frozen=True)
class Waiting:
    """A message not answered yet."""

    text: str
    message_id: int | None


@dataclass
class _Backlog:
    messages: list[Waiting] = field(default_factory=list)
    draining: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class ChatMemory:
    def __init__(self, capacity: int = 50_000) -> None:
        # Bounded maps that drop the least recently *written* entry when full (FIFOCache moves a
        # key to the end when it is set again; reads leave the order alone), as before.
        # The conversation's language as Rasa last reported it.
        self._language: FIFOCache[Conversation, Language] = FIFOCache(capacity)
        # The user's /lang choice: it holds until the user chooses again.
        self._choice: FIFOCache[Conversation, Language] = FIFOCache(capacity)
        # The id of the last message answered, for edits.
        self._last_message: FIFOCache[Conversation, int] = FIFOCache(capacity)
        # The mission a deep link came from (/start mission-<id>): the place assumed for help.
        self._home: FIFOCache[Conversation, str] = FIFOCache(capacity)
        self._locks: dict[Conversation, tuple[asyncio.Lock, int]] = {}
        self._backlogs: dict[Conversation, _Backlog] = {}

    def language(self, conversation: Conversation) -> Language | None:
        return self._language.get(conversation)

    def choice(self, conversation: Conversation) -> Language | None:
        return self._choice.get(conversation)

    def remember_language(self, conversation: Conversation, language: Language) -> None:
        self._language[conversation] = language

    def choose(self, conversation: Conversation, language: Language) -> None:
        self._choice[conversation] = language
        self.remember_language(conversation, language)

    def home(self, conversation: Conversation) -> str | None:
        return self._home.get(conversation)

    def set_home(self, conversation: Conversation, mission_id: str) -> None:
        self._home[conversation] = mission_id

    def last_message(self, conversation: Conversation) -> int | None:
        return self._last_message.get(conversation)

    def remember_message(self, conversation: Conversation, message_id: int | None) -> None:
        if message_id is not None:
            self._last_message[conversation] = message_id

    def forget(self, conversation: Conversation) -> None:
        self._language.pop(conversation, None)
        self._choice.pop(conversation, None)
        self._last_message.pop(conversation, None)

    def wait(self, conversation: Conversation, message: Waiting) -> bool:
        """Queue a message; True when the caller is to answer the queue (nobody else is)."""
        backlog = self._backlogs.setdefault(conversation, _Backlog())
        backlog.messages = [*backlog.messages, message][-MAX_WAITING_MESSAGES:]
        backlog.arrived.set()
        if backlog.draining:
            return False
        backlog.draining = True
        return True

    async def take(self, conversation: Conversation, quiet: float, at_most: float) -> list[Waiting]:
        """Everything waiting, once no new message came for `quiet` seconds (at most `at_most`).

        After an answer (quiet > 0) a message that comes within `quiet` seconds still belongs to
        the burst: answers can be quicker than a person's next message. Empty when nothing came:
        the caller stops answering and the next message makes its own caller the one who answers.
        """
        backlog = self._backlogs.get(conversation)
        if backlog is not None and not backlog.messages and quiet > 0:
            backlog.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(backlog.arrived.wait(), quiet)
        if backlog is None or not backlog.messages:
            self._backlogs.pop(conversation, None)
            return []
        if quiet > 0:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + at_most
            while (left := deadline - loop.time()) > 0:
                backlog.arrived.clear()
                try:
                    await asyncio.wait_for(backlog.arrived.wait(), min(quiet, left))
                except TimeoutError:
                    break
        taken, backlog.messages = backlog.messages, []
        return taken

    def stop_waiting(self, conversation: Conversation) -> None:
        """The answering call is done: what still waits (only after a failure) is dropped."""
        self._backlogs.pop(conversation, None)

    def waiting(self) -> int:
        return sum(len(b.messages) for b in self._backlogs.values())

    @asynccontextmanager
    async def lock(self, conversation: Conversation) -> AsyncIterator[None]:
        """One answer at a time per conversation, in arrival order (asyncio.Lock is FIFO).

        Without it, two quick messages could be answered in the wrong order. A lock lives only
        while someone holds or waits for it, so the map stays as small as the chats in flight.
        """
        lock, users = self._locks.get(conversation, (asyncio.Lock(), 0))
        self._locks[conversation] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation]
            if users == 1:
                del self._locks[conversation]
            else:
                self._locks[conversation] = (lock, users - 1)

    def locks_in_use(self) -> int:
        return len(self._locks)


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

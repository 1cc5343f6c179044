"""Button payloads ↔ Telegram callback data, which holds at most 64 bytes.

A payload that fits is sent as it is, so its button keeps working after a restart and on any
replica. A longer one travels as "#" + a hash, kept in a bounded in-memory map (least recently
used dropped first); a button whose key was dropped answers "this button has expired". "!" marks
the connector's own buttons (the language choice), which never reach Rasa.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cachetools import LRUCache

MAX_CALLBACK_BYTES = 64
HASHED = "#"
OWN = "!"
_HASH_CHARS = 16  # 96 bits of a sha256: collisions are out of reach for a few thousand payloads


@dataclass(frozen=True)
class Callback:
    """What a pressed button means: a Rasa payload, or one of the connector's own actions."""

    payload: str
    own: bool = False


class CallbackCodec:
    def __init__(self, capacity: int = 10_000) -> None:
        # Reading a key (a press) and writing it (sent again) both make it the most recent.
        self._long: LRUCache[str, str] = LRUCache(capacity)

    def __len__(self) -> int:
        return len(self._long)

    def encode(self, payload: str) -> str:
        raw = payload.encode("utf-8")
        if 0 < len(raw) <= MAX_CALLBACK_BYTES and not payload.startswith((HASHED, OWN)):
            return payload
        digest = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).decode()
        key = HASHED + digest[:_HASH_CHARS]
        self._long[key] = payload
        return key

    @staticmethod
    def encode_own(action: str) -> str:
        data = OWN + action
        if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise ValueError(f"own action too long for callback data: {action!r}")
        return data

    def decode(self, data: str | None) -> Callback | None:
        """None for empty data and for a hashed key no longer (or never) known."""
        if not data:
            return None
        if data.startswith(OWN):
            return Callback(data[len(OWN) :], own=True)
        if data.startswith(HASHED):
            payload = self._long.get(data)
            return None if payload is None else Callback(payload)
        return Callback(data)

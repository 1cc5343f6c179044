"""Button payloads ↔ callback data: at most 64 bytes, long payloads through a bounded map."""

from __future__ import annotations

import pytest

from bot.telegram.callbacks import MAX_CALLBACK_BYTES, Callback, CallbackCodec

LONG = '/inform{"visa_direction": "to_indonesia", "visa_purpose": "business", "x": "yyyy"}'


def test_short_payloads_travel_as_they_are() -> None:
    codec = CallbackCodec()
    payload = '/inform{"visa_direction": "abroad"}'
    assert codec.encode(payload) == payload
    assert codec.decode(payload) == Callback(payload)
    assert len(codec) == 0  # nothing to remember: survives a restart


@pytest.mark.parametrize("payload", [LONG, "é" * 33, "#looks-hashed", "!looks-own", ""])
def test_other_payloads_get_a_short_key(payload: str) -> None:
    codec = CallbackCodec()
    key = codec.encode(payload)
    assert key != payload
    assert len(key.encode()) <= MAX_CALLBACK_BYTES
    assert codec.decode(key) == Callback(payload)


def test_the_same_payload_gets_the_same_key() -> None:
    codec = CallbackCodec()
    assert codec.encode(LONG) == codec.encode(LONG)
    assert codec.encode(LONG) != codec.encode(LONG + " ")
    assert len(codec) == 2


def test_the_map_is_bounded_and_forgets_the_least_recently_used() -> None:
    codec = CallbackCodec(capacity=3)
    keys = [codec.encode(f"{LONG}{i}") for i in range(3)]
    assert codec.decode(keys[0]) is not None  # used again: now the most recent
    codec.encode(LONG + "new")
    assert len(codec) == 3
    assert codec.decode(keys[1]) is None  # the least recently used went
    assert codec.decode(keys[0]) == Callback(LONG + "0")


def test_unknown_keys_and_empty_data_decode_to_nothing() -> None:
    codec = CallbackCodec()
    assert codec.decode("#AAAAAAAAAAAAAAAA") is None
    assert codec.decode("") is None
    assert codec.decode(None) is None


def test_own_actions_are_marked_and_never_taken_for_payloads() -> None:
    codec = CallbackCodec()
    data = codec.encode_own("lang:en")
    assert codec.decode(data) == Callback("lang:en", own=True)
    # A Rasa payload that happens to start with "!" cannot pose as an own action.
    assert codec.decode(codec.encode("!lang:en")) == Callback("!lang:en")
    with pytest.raises(ValueError):
        codec.encode_own("x" * 64)

"""Reading and validating a POST /api/chat body.

Every way a body can be wrong maps to one `InvalidChatRequest` (status, code), never to an
exception that would become a 500. The error carries whatever `lang` and `message` could be read,
so the error text can be in the user's language.
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.i18n import Language, as_language

SENDER_MAX_CHARS = 128
# A client that sends its body slower than this holds a connection for nothing.
BODY_TIMEOUT_SECONDS = 10.0
_SENDER = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_MISSION = re.compile(r"[a-z][a-z0-9-]{1,63}")  # a content/missions.yml id
# Line breaks and tabs are kept; other control characters (NUL, ESC, C1 codes, ...) are dropped:
# they carry no meaning in a question and some stores and terminals downstream mishandle them.
_KEPT_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class ChatRequest:
    sender: str
    message: str
    lang: Language | None
    # The user's explicit choice (the widget's ID/EN switch): it holds, where `lang` is a hint.
    lang_choice: Language | None = None
    # The mission whose site embeds the widget (data-mission): the default place for help.
    mission: str | None = None


class InvalidChatRequest(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        *,
        lang: object = None,
        message: object = None,
        **params: object,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.lang = lang
        self.message = message
        self.params = params


async def read_chat_request(
    request: web.Request, max_body_bytes: int, max_message_chars: int
) -> ChatRequest:
    return parse_chat_body(await read_json_body(request, max_body_bytes), max_message_chars)


async def read_forget_request(request: web.Request, max_body_bytes: int) -> str:
    """The sender id of a POST /api/forget body `{"sender": ...}`."""
    payload = _json_object(await read_json_body(request, max_body_bytes))
    sender = payload.get("sender")
    if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
        raise InvalidChatRequest(422, "invalid_sender", max=SENDER_MAX_CHARS)
    return sender


@dataclass(frozen=True)
class RatingRequest:
    sender: str
    answer_id: str
    vote: str  # "up" or "down"
    lang: Language | None = None


async def read_rating_request(request: web.Request, max_body_bytes: int) -> RatingRequest:
    """A POST /api/feedback body `{"sender", "answer_id", "vote": "up" | "down", "lang"?}`.
    Every fault of the body itself is a 400 (too large, too slow, not JSON stay 413/408/415)."""
    try:
        payload = _json_object(await read_json_body(request, max_body_bytes))
    except InvalidChatRequest as error:
        if error.status != 422:
            raise
        raise InvalidChatRequest(400, error.code, **error.params) from None
    lang = as_language(payload.get("lang"))
    sender = payload.get("sender")
    if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
        raise InvalidChatRequest(400, "invalid_sender", lang=lang, max=SENDER_MAX_CHARS)
    vote = payload.get("vote")
    if vote not in ("up", "down"):
        raise InvalidChatRequest(400, "invalid_vote", lang=lang)
    answer_id = payload.get("answer_id")
    if not isinstance(answer_id, str) or not 0 < len(answer_id) <= SENDER_MAX_CHARS:
        raise InvalidChatRequest(400, "unknown_answer", lang=lang)
    return RatingRequest(sender, answer_id, vote, lang)


async def read_json_body(request: web.Request, max_body_bytes: int) -> bytes:
    """The raw body of a JSON request, refused when too large, too slow or not JSON."""
    if request.content_type != "application/json" or (
        request.charset is not None and request.charset.lower() not in ("utf-8", "utf8")
    ):
        raise InvalidChatRequest(415, "unsupported_media_type")
    if request.content_length is not None and request.content_length > max_body_bytes:
        raise InvalidChatRequest(413, "body_too_large", max_bytes=max_body_bytes)
    try:
        # The application's client_max_size is max_body_bytes: this also covers chunked bodies.
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise InvalidChatRequest(413, "body_too_large", max_bytes=max_body_bytes) from None
    except TimeoutError:
        raise InvalidChatRequest(408, "request_timeout") from None


def parse_chat_body(body: bytes, max_message_chars: int) -> ChatRequest:
    payload = _json_object(body)
    lang = payload.get("lang")
    message = payload.get("message")
    hint = {"lang": lang, "message": message if _is_clean_str(message) else None}
    if lang is not None and as_language(lang) is None:
        raise InvalidChatRequest(422, "invalid_lang", **hint)
    lang_choice = payload.get("lang_choice")
    if lang_choice is not None and as_language(lang_choice) is None:
        raise InvalidChatRequest(422, "invalid_lang", **hint)
    mission = payload.get("mission")
    if mission is not None and not (isinstance(mission, str) and _MISSION.fullmatch(mission)):
        raise InvalidChatRequest(422, "invalid_mission", **hint)

    sender = payload.get("sender")
    if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
        raise InvalidChatRequest(422, "invalid_sender", max=SENDER_MAX_CHARS, **hint)

    if not isinstance(message, str):
        raise InvalidChatRequest(422, "invalid_message", **hint)
    if not _is_clean_str(message):
        raise InvalidChatRequest(400, "invalid_encoding", **hint)
    cleaned = clean_message(message)
    if not cleaned:
        raise InvalidChatRequest(422, "empty_message", **hint)
    if len(cleaned) > max_message_chars:
        raise InvalidChatRequest(413, "message_too_long", max_chars=max_message_chars, **hint)
    return ChatRequest(sender, cleaned, as_language(lang), as_language(lang_choice), mission)


def clean_message(message: str) -> str:
    """Without control characters (except line breaks and tabs) and surrounding whitespace."""
    message = message.replace("\r\n", "\n").replace("\r", "\n")
    kept = (c for c in message if c in _KEPT_CONTROLS or unicodedata.category(c) != "Cc")
    return "".join(kept).strip()


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise InvalidChatRequest(400, "empty_body")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidChatRequest(400, "invalid_encoding") from None
    try:
        payload = json.loads(decoded.removeprefix("\ufeff"))
    # RecursionError: deeply nested arrays fit easily in a few KiB and overflow json's parser.
    except (ValueError, RecursionError):
        raise InvalidChatRequest(400, "invalid_json") from None
    if not isinstance(payload, dict):
        raise InvalidChatRequest(422, "invalid_request")
    return payload


def _is_clean_str(value: object) -> bool:
    """A str that is also valid Unicode text: JSON's \\ud800 escapes can make lone surrogates."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

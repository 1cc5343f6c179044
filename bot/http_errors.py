"""JSON error answers: `{"error": {"code": "...", "message": "<in the user's language>"}}`."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot import i18n
from bot.i18n import Language
from bot.rate_limit import retry_after_seconds


def json_error(
    status: int,
    code: str,
    language: Language,
    headers: Mapping[str, str] | None = None,
    **params: object,
) -> web.Response:
    body = {"error": {"code": code, "message": i18n.text(code, language, **params)}}
    return web.json_response(body, status=status, headers=headers)


def rate_limited(wait_seconds: float, language: Language) -> web.Response:
    seconds = retry_after_seconds(wait_seconds)
    return json_error(
        429, "rate_limited", language, {"Retry-After": str(seconds)}, retry_after=seconds
    )


def request_language(request: web.Request) -> Language:
    """For errors found before the body is read: only the browser's Accept-Language can tell."""
    return i18n.choose_language(accept_language=request.headers.get("Accept-Language"))

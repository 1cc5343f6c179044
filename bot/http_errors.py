"""JSON error answers: `{"error": {"code": "...", "message": "<in the user's language>"}}`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

from aiohttp import web, web_protocol

from bot import i18n
from bot.i18n import Language
from bot.logging_setup import fields
from bot.rate_limit import retry_after_seconds

log = logging.getLogger("bot.http")


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


def malformed_request_error(
    handler: web_protocol.RequestHandler,
    request: web.BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> web.StreamResponse:
    """aiohttp's answer to a request it cannot parse (bad chunk size, wrong Content-Length, not
    HTTP at all), as JSON like every other error, and one log line without the raw bytes.

    aiohttp's own answer is text/plain quoting the bytes it could not parse, and it logs a stack
    trace holding them: whatever the client sent, message text included.
    """
    log.info("malformed request", extra=fields(status=status, error=type(exc).__name__))
    if request.writer.output_size > 0:  # a response has begun: the connection is beyond saving
        raise ConnectionError("response already started")
    code = "bad_request" if status == HTTPStatus.BAD_REQUEST else "http_error"
    language = i18n.choose_language(accept_language=request.headers.get("Accept-Language"))
    response = json_error(status, code, language)
    # Built before routing, so the app's response signal never sees it: the same headers here.
    from bot.middlewares import apply_security_headers  # middlewares imports this module

    apply_security_headers(response)
    response.force_close()
    return response


def answer_malformed_requests_with_json() -> None:
    """Make every aiohttp server in this process answer unparsable requests with JSON.

    aiohttp has no setting for it: its RequestHandler.handle_error builds the answer.
    """
    web_protocol.RequestHandler.handle_error = malformed_request_error  # type: ignore[method-assign,assignment]

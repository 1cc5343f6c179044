"""Request middlewares, outermost first: CORS, JSON errors, per-address rate limit."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.config import normalize_origin
from bot.http_errors import json_error, rate_limited, request_language
from bot.logging_setup import CLIENT_IP_KEY, fields
from bot.rate_limit import RateLimiter, client_ip

log = logging.getLogger("bot.http")

_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}
# Headers of aiohttp's own HTTP errors that clients need on the JSON answer too.
_KEPT_ERROR_HEADERS = ("Allow",)


def cors(allowed_origins: frozenset[str]) -> Middleware:
    """Only listed origins may call from a browser; requests without Origin (curl, servers) pass.

    A browser always sends Origin on cross-site fetches and on same-site POSTs, so refusing unlisted
    origins outright (403) keeps other sites from using the API even for requests that CORS would
    let through without a preflight.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:
            response = await handler(request)
        elif not _is_allowed(origin, allowed_origins):
            log.info("origin refused", extra=fields(origin=origin[:200], path=request.path))
            response = json_error(403, "origin_not_allowed", request_language(request))
        else:
            if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
                response = web.Response(status=204, headers=_PREFLIGHT_HEADERS)
            else:
                response = await handler(request)
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        # The answer differs by Origin: caches must not hand one site's answer to another.
        vary = response.headers.get("Vary")
        response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
        return response

    return middleware


def _is_allowed(origin: str, allowed_origins: frozenset[str]) -> bool:
    try:
        return normalize_origin(origin) in allowed_origins
    except ValueError:  # "null" (sandboxed frames, file://) and garbage
        return False


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's text errors (404, 405, ...) become JSON; a bug becomes a logged JSON 500."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {h: error.headers[h] for h in _KEPT_ERROR_HEADERS if h in error.headers}
        code = _ERROR_CODES.get(error.status, "http_error")
        return json_error(error.status, code, request_language(request), headers)
    except Exception:
        # Still a 500: an unexpected error is a bug to fix; only its answer is made readable.
        log.exception("unhandled error", extra=fields(method=request.method, path=request.path))
        return json_error(500, "internal_error", request_language(request))


def ip_rate_limit(limiter: RateLimiter, trust_proxy: bool) -> Middleware:
    """Limits /api/ calls per client address, before the body is even read."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        ip = client_ip(request, trust_proxy)
        request[CLIENT_IP_KEY] = ip
        if request.path.startswith("/api/") and (wait := limiter.take(ip)):
            log.info("rate limited", extra=fields(by="ip", path=request.path))
            return rate_limited(wait, request_language(request))
        return await handler(request)

    return middleware

"""Request middlewares, outermost first: CORS, JSON errors, per-address rate limit; and the
security headers every answer gets (an on_response_prepare signal)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.config import normalize_origin
from bot.http_errors import json_error, rate_limited, request_language
from bot.logging_setup import CLIENT_IP_KEY, fields
from bot.rate_limit import RateLimiter, client_ip
from bot.widget_routes import ORIGIN_PROBE_PATH

log = logging.getLogger("bot.http")

_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}
_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}
# Headers of aiohttp's own HTTP errors that clients need on the JSON answer too.
_KEPT_ERROR_HEADERS = ("Allow",)

# On every answer (security_headers). The demo pages set their own, stricter-for-pages CSP; all
# else (JSON, the script, CSS, SVG) needs nothing if a browser opens it as a document.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DEFAULT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
SERVER_NAME = "Duta"


def cors(allowed_origins: frozenset[str]) -> Middleware:
    """Only listed origins may call from a browser; requests without Origin (curl, servers) pass.

    A browser always sends Origin on cross-site fetches and on same-site POSTs, so refusing unlisted
    origins outright (403) keeps other sites from using the API even for requests that CORS would
    let through without a preflight. Origins match exactly: browsers send the canonical form,
    which is how ALLOWED_ORIGINS is stored (bot.config.normalize_origin), and only that is echoed.
    Not aiohttp-cors: it cannot refuse, nor answer this preflight (docs/architecture.md).
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:
            response = await handler(request)
        elif origin not in allowed_origins:
            log.info("origin refused", extra=fields(origin=origin[:200], path=request.path))
            response = json_error(403, "origin_not_allowed", request_language(request))
            if _is_origin_probe(request) and _is_canonical(origin):
                # The widget's probe only: the site may read that it is refused (and nothing
                # else), so its visitors are told so instead of "cannot reach Duta".
                response.headers["Access-Control-Allow-Origin"] = origin
        elif request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = _preflight(request, origin)
        else:
            response = await handler(request)
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        # The answer differs by Origin: caches must not hand one site's answer to another.
        vary = response.headers.get("Vary")
        response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
        return response

    return middleware


def _preflight(request: web.Request, origin: str) -> web.Response:
    """204 with the route's methods on a real /api/ route; 404 anywhere else."""
    methods = _route_methods(request)
    if not request.path.startswith("/api/") or not methods:
        return json_error(404, "not_found", request_language(request))
    headers = _PREFLIGHT_HEADERS | {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(sorted(methods)),
    }
    return web.Response(status=204, headers=headers)


def _route_methods(request: web.Request) -> frozenset[str]:
    """The methods served at the request's path (none when nothing is there)."""
    error = request.match_info.http_exception
    if isinstance(error, web.HTTPMethodNotAllowed):
        return frozenset(error.allowed_methods) - {"HEAD"}
    return frozenset() if error is not None else frozenset({request.method})


def _is_origin_probe(request: web.Request) -> bool:
    return request.method == "GET" and request.path == ORIGIN_PROBE_PATH


def _is_canonical(origin: str) -> bool:
    """A real browser origin (not "null", not garbage): only such a value is echoed."""
    try:
        return normalize_origin(origin) == origin
    except ValueError:
        return False


async def security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """on_response_prepare: the same headers on every answer the app makes, errors included."""
    apply_security_headers(response)


def apply_security_headers(response: web.StreamResponse) -> None:
    """Also for answers made before routing (malformed HTTP), which the signal never sees."""
    response.headers["X-Content-Type-Options"] = SECURITY_HEADERS["X-Content-Type-Options"]
    # The staff console's pages keep their own, "same-origin": with "no-referrer" Chromium sends
    # their form POSTs with Origin "null", which the origin check above must refuse.
    response.headers.setdefault("Referrer-Policy", SECURITY_HEADERS["Referrer-Policy"])
    response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    # aiohttp's default is "Python/3.x aiohttp/3.x": no versions for scanners to match.
    response.headers["Server"] = SERVER_NAME


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
        if request.path.startswith("/api/") and (wait := await limiter.take(ip)):
            log.info("rate limited", extra=fields(by="ip", path=request.path))
            return rate_limited(wait, request_language(request))
        return await handler(request)

    return middleware

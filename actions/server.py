"""The action server's Sanic app: rasa-sdk's own routes plus GET /index/status and the
token-protected POST /index/reload that `make retrain` uses to swap in a new index."""

from __future__ import annotations

import asyncio
import hmac
import os

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge_base

ADMIN_TOKEN_ENV = "DUTA_ADMIN_TOKEN"
# Rasa sends it with every action call (endpoints.yml); without it the actions run for no one.
ACTION_TOKEN_ENV = "ACTION_SERVER_TOKEN"
# Routes only Rasa calls: running an action reads and writes a conversation.
RASA_ONLY_PATHS = ("/webhook", "/actions")


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status)


def admin_refusal(request: Request, token: str | None) -> HTTPResponse | None:
    """None when the request carries `Authorization: Bearer <token>`, else the error to send."""
    if not token:
        return _error(
            503, "reload_disabled", f"reloading is off: {ADMIN_TOKEN_ENV} is not set on this server"
        )
    if not has_bearer_token(request, token):
        return _error(401, "unauthorized", "missing or wrong admin token")
    return None


def has_bearer_token(request: Request, token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(value.strip().encode(), token.encode())
    )


def build_app(
    package: str = "actions", admin_token: str | None = None, action_token: str | None = None
) -> Sanic:
    """rasa-sdk's app (POST /webhook, GET /health, GET /actions) with our actions registered.

    admin_token defaults to $DUTA_ADMIN_TOKEN; without one, /index/reload answers 503.
    action_token defaults to $ACTION_SERVER_TOKEN; /webhook and /actions answer only to it (401).
    """
    executor = ActionExecutor()
    executor.register_package(package)
    # No CORS: no browser has any business here (rasa-sdk's default allows every origin).
    app = create_app(executor, cors_origins=None)
    token = admin_token if admin_token is not None else os.environ.get(ADMIN_TOKEN_ENV, "").strip()
    if action_token is None:
        action_token = os.environ.get(ACTION_TOKEN_ENV, "").strip()

    @app.on_request
    async def rasa_only(request: Request) -> HTTPResponse | None:
        if request.path in RASA_ONLY_PATHS and not has_bearer_token(request, action_token):
            return _error(401, "unauthorized", f"missing or wrong {ACTION_TOKEN_ENV}")
        return None

    @app.get("/index/status")
    async def index_status(_: Request) -> HTTPResponse:
        code, body = knowledge_base.served.status()
        return response.json(body, status=code)

    @app.post("/index/reload")
    async def index_reload(request: Request) -> HTTPResponse:
        refusal = admin_refusal(request, token or None)
        if refusal is not None:
            return refusal
        try:
            body = request.json if request.body else {}
        except Exception:  # Sanic raises its own error type for malformed JSON
            return _error(400, "bad_json", 'the body must be JSON: {"version": name or null}')
        version = (body or {}).get("version") if isinstance(body, dict) else None
        if version is not None and not isinstance(version, str):
            return _error(400, "bad_version", "'version' must be a string or null")
        try:
            # Loading reads and checks files (CPU and disk): off the event loop, so chats go on.
            result = await asyncio.to_thread(knowledge_base.served.reload, version)
        except knowledge_base.ReloadError as exc:
            return _error(exc.status, "reload_failed", f"{exc}; the previous index keeps serving")
        return response.json(result)

    return app

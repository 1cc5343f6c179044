"""The gateway's aiohttp application: routes, middlewares and the shared upstream client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from admin.console import setup_console
from admin.console.store import ConsoleStore
from bot import middlewares
from bot.app_keys import FEEDBACK, LIMIT_STORAGE, RASA_CLIENT, SENDER_LIMITER, SETTINGS
from bot.chat import chat, forget
from bot.config import Settings
from bot.feedback import FeedbackBox
from bot.health import health
from bot.logging_setup import PSEUDONYMIZER, Pseudonymizer
from bot.privacy import retention_task
from bot.rasa_client import RasaClient
from bot.rate_limit import RateLimiter, limit_storage
from bot.telegram import setup_telegram
from bot.votes import rate_answer
from bot.widget_routes import add_widget_routes

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings) -> web.Application:
    storage = limit_storage(settings.rate_limit_redis_url)
    ip_limiter = RateLimiter(settings.ip_rate_per_min, storage, "ip")
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[
            middlewares.cors(settings.allowed_origins),
            middlewares.json_errors,
            middlewares.ip_rate_limit(ip_limiter, settings.trust_proxy),
        ],
    )
    app[SETTINGS] = settings
    app[PSEUDONYMIZER] = Pseudonymizer(settings.log_salt)
    app[LIMIT_STORAGE] = storage
    app[SENDER_LIMITER] = RateLimiter(settings.sender_rate_per_min, storage, "sender")
    app[FEEDBACK] = FeedbackBox(settings.feedback_file)
    app.cleanup_ctx.append(_upstream_client)
    app.cleanup_ctx.append(retention_task)
    app.router.add_post("/api/chat", chat)
    app.router.add_post("/api/forget", forget)
    # Thumbs up/down under an answer (bot/votes.py; kept in the console's file).
    app.router.add_post("/api/feedback", rate_answer)
    app.router.add_get("/health", health)
    # /widget.js and /demo, with caching headers (bot/widget_routes.py).
    add_widget_routes(app.router, STATIC_DIR)
    # The staff console under /admin/ (admin/console, docs/console.md).
    setup_console(app, ConsoleStore(settings.console_db))
    app.on_response_prepare.append(middlewares.security_headers)
    # After the upstream client in cleanup_ctx: the connector uses it and stops before it closes.
    setup_telegram(app)
    return app


async def _upstream_client(app: web.Application) -> AsyncIterator[None]:
    """One connection pool for the app's lifetime, closed on shutdown."""
    settings = app[SETTINGS]
    async with aiohttp.ClientSession() as session:
        app[RASA_CLIENT] = RasaClient.from_settings(session, settings)
        yield

"""Typed keys for what the application shares between handlers."""

from __future__ import annotations

from aiohttp import web
from limits.aio.storage import Storage

from bot.config import Settings
from bot.feedback import FeedbackBox
from bot.rasa_client import RasaClient
from bot.rate_limit import RateLimiter

SETTINGS = web.AppKey("settings", Settings)
RASA_CLIENT = web.AppKey("rasa_client", RasaClient)
# Where every limiter counts: memory, or the Redis that several gateways share.
LIMIT_STORAGE = web.AppKey("limit_storage", Storage)
SENDER_LIMITER = web.AppKey("sender_limiter", RateLimiter)
FEEDBACK = web.AppKey("feedback", FeedbackBox)

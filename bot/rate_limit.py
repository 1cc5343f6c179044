"""Request limits per key (a sender, a client address), counted by the `limits` library.

A limit of `per_minute` allows that many requests in any 60 seconds (limits' moving window): a
client may send a burst of `per_minute` and then waits until its oldest request is a minute old.
The counts live in memory, or in Redis when `RATE_LIMIT_REDIS_URL` is set, so that several
gateways behind a load balancer share one count per sender and address (docs/deploy.md).
"""

from __future__ import annotations

import logging
import math
import time

from aiohttp import web
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

log = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 0.5


def limit_storage(redis_url: str | None) -> Storage:
    """Where the counts live: Redis when a URL is given, else this process's memory."""
    if not redis_url:
        return MemoryStorage()
    # The URL may hold a password: it comes from the environment and is never logged.
    return RedisStorage(
        redis_url,
        implementation="redispy",
        wrap_exceptions=True,
        # A Redis that hangs must not hang the chat: after this, the request is allowed.
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


class RateLimiter:
    def __init__(self, per_minute: int, storage: Storage, namespace: str) -> None:
        """`per_minute` 0 turns the limit off. `namespace` keeps limiters that share a storage
        and a key (a Telegram user's messages and their notices) apart."""
        self.item = RateLimitItemPerMinute(per_minute) if per_minute else None
        self.namespace = namespace
        self._window = MovingWindowRateLimiter(storage)

    async def take(self, key: str) -> float:
        """Count one request. Returns 0 when allowed, else the seconds until one is allowed."""
        if self.item is None:
            return 0.0
        try:
            if await self._window.hit(self.item, self.namespace, key):
                return 0.0
            stats = await self._window.get_window_stats(self.item, self.namespace, key)
        except StorageError:
            # A limit is a guard, not a gate: the chat keeps answering while Redis is away.
            log.warning("rate limit storage unreachable; request allowed")
            return 0.0
        return max(stats.reset_time - time.time(), 0.001)


def retry_after_seconds(wait_seconds: float) -> int:
    """Whole seconds for Retry-After, rounded up so a client that waits that long gets in."""
    return max(1, math.ceil(wait_seconds))


def client_ip(request: web.BaseRequest, trust_proxy: bool) -> str:
    """The caller's address; behind a trusted reverse proxy, the one that proxy saw.

    The proxy appends the address it received the request from to X-Forwarded-For, so the last
    entry is the only one a client cannot forge (one proxy hop is assumed).
    """
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.remote or "unknown"

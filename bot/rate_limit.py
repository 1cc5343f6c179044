"""In-memory token buckets, one per key (a sender, a client address).

A bucket holds up to `per_minute` tokens and refills continuously at `per_minute / 60` a second,
so a client may send a burst of `per_minute` messages and then one every `60 / per_minute` seconds.
Full buckets are dropped in a sweep every `sweep_every` seconds: a full bucket is the same as a
missing one, so memory stays bounded by the clients active in the last minute or so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sweep_every: float = 60.0,
    ) -> None:
        """`per_minute` 0 turns the limit off."""
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        self._sweep_every = sweep_every
        self._last_sweep = clock()
        self._buckets: dict[str, _Bucket] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Spend one token. Returns 0 when allowed, else the seconds until a token is back."""
        if self.capacity == 0:
            return 0.0
        now = self._clock()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            elapsed = now - bucket.updated
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.refill_per_second

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self._sweep_every:
            return
        self._last_sweep = now
        refill = self.refill_per_second
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * refill < self.capacity
        }


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

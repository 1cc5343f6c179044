"""Per-sender and per-address limits answer 429 with Retry-After once spent."""

from __future__ import annotations

import socket
import time

import pytest
from limits.aio.storage import MemoryStorage

from bot.rate_limit import RateLimiter, limit_storage

from .test_gateway_support import JSON, chat_body, running_gateway


async def test_a_key_has_its_budget_per_minute_then_waits_for_its_oldest_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])  # the clock limits' memory storage reads
    storage = MemoryStorage()
    limiter = RateLimiter(3, storage, "sender")
    assert [await limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.take("a") == pytest.approx(60.0)
    assert await limiter.take("b") == 0.0  # counts are per key
    assert await RateLimiter(3, storage, "ip").take("a") == 0.0  # and per namespace
    now[0] += 20.0
    assert await limiter.take("a") == pytest.approx(40.0)
    now[0] += 40.5
    assert await limiter.take("a") == 0.0


async def test_zero_turns_the_limit_off() -> None:
    limiter = RateLimiter(0, MemoryStorage(), "sender")
    assert all([await limiter.take("a") == 0.0 for _ in range(1000)])


async def test_an_unreachable_redis_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    limiter = RateLimiter(1, limit_storage(f"redis://:secret@127.0.0.1:{port}/0"), "sender")
    assert [await limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert "rate limit storage unreachable" in caplog.text
    assert "secret" not in caplog.text


async def test_a_sender_over_budget_gets_429() -> None:
    async with running_gateway(RATE_LIMIT_SENDER_PER_MIN="2", RATE_LIMIT_IP_PER_MIN="0") as client:
        statuses = []
        for _ in range(3):
            response = await client.post("/api/chat", data=chat_body(lang="en"), headers=JSON)
            statuses.append(response.status)
        assert statuses == [503, 503, 429]  # 503: Rasa is down, but the messages counted
        assert int(response.headers["Retry-After"]) == 60  # when the first message is a minute old
        error = (await response.json())["error"]
        assert error["code"] == "rate_limited"
        assert "60 seconds" in error["message"]
        other = await client.post("/api/chat", data=chat_body(sender="user-2"), headers=JSON)
        assert other.status == 503


async def test_an_address_over_budget_gets_429_before_its_body_is_read() -> None:
    async with running_gateway(RATE_LIMIT_IP_PER_MIN="3") as client:
        headers = {"Content-Type": "text/plain", "Accept-Language": "id"}
        statuses = [(await client.post("/api/chat", data=b"x", headers=headers)).status
                    for _ in range(4)]  # fmt: skip
        assert statuses == [415, 415, 415, 429]
        response = await client.post("/api/chat", data=chat_body(sender="fresh"), headers=JSON)
        assert response.status == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert "Mohon maaf" in (await response.json())["error"]["message"]
        # Health checks are not API calls: monitoring keeps working.
        assert (await client.get("/health")).status == 503


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy() -> None:
    def from_ip(ip: str) -> dict[str, str]:
        return JSON | {"X-Forwarded-For": f"203.0.113.9, {ip}"}

    async with running_gateway(RATE_LIMIT_IP_PER_MIN="1", TRUST_PROXY="1") as client:
        first = await client.post("/api/chat", data=b"{", headers=from_ip("198.51.100.1"))
        second = await client.post("/api/chat", data=b"{", headers=from_ip("198.51.100.2"))
        again = await client.post("/api/chat", data=b"{", headers=from_ip("198.51.100.1"))
        assert (first.status, second.status, again.status) == (400, 400, 429)

    async with running_gateway(RATE_LIMIT_IP_PER_MIN="1") as client:
        first = await client.post("/api/chat", data=b"{", headers=from_ip("198.51.100.1"))
        spoofed = await client.post("/api/chat", data=b"{", headers=from_ip("198.51.100.2"))
        assert (first.status, spoofed.status) == (400, 429)

"""Per-sender and per-address token buckets answer 429 with Retry-After once spent."""

from __future__ import annotations

import pytest

from bot.rate_limit import RateLimiter

from .test_gateway_support import JSON, chat_body, running_gateway


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_budget_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(20.0)  # one token per 20 s
    assert limiter.take("b") == 0.0  # buckets are per key
    clock.now += 20.0
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0


def test_zero_turns_the_limit_off() -> None:
    limiter = RateLimiter(per_minute=0)
    assert all(limiter.take("a") == 0.0 for _ in range(1000))


def test_idle_buckets_are_swept() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, clock=clock, sweep_every=10.0)
    for key in ("a", "b", "c"):
        limiter.take(key)
    clock.now += 0.5
    limiter.take("busy")
    assert len(limiter) == 4
    clock.now += 10.0  # a, b, c are full again; "busy" too
    limiter.take("new")
    assert len(limiter) == 1


async def test_a_sender_over_budget_gets_429() -> None:
    async with running_gateway(RATE_LIMIT_SENDER_PER_MIN="2", RATE_LIMIT_IP_PER_MIN="0") as client:
        statuses = []
        for _ in range(3):
            response = await client.post("/api/chat", data=chat_body(lang="en"), headers=JSON)
            statuses.append(response.status)
        assert statuses == [503, 503, 429]  # 503: Rasa is down, but the messages counted
        assert int(response.headers["Retry-After"]) == 30
        error = (await response.json())["error"]
        assert error["code"] == "rate_limited"
        assert "30 seconds" in error["message"]
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

"""Only origins in ALLOWED_ORIGINS may use the gateway from a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.config import ConfigError, Settings

from .test_gateway_support import ALLOWED_ORIGIN, JSON, chat_body, running_gateway

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


@pytest.fixture
async def gateway() -> AsyncIterator[TestClient]:
    async with running_gateway() as client:
        yield client


async def test_preflight_from_an_allowed_origin_is_answered(gateway: TestClient) -> None:
    response = await gateway.options("/api/chat", headers={"Origin": ALLOWED_ORIGIN} | PREFLIGHT)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


async def test_an_allowed_origin_gets_the_answer_with_cors_headers(gateway: TestClient) -> None:
    headers = JSON | {"Origin": ALLOWED_ORIGIN}
    response = await gateway.post("/api/chat", data=chat_body(), headers=headers)
    assert response.status == 503  # past CORS, on to the (absent) Rasa
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    # Errors must be readable by the widget too.
    response = await gateway.post("/api/chat", data=b"{", headers=headers)
    assert response.status == 400
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://kbri.example.org", "https://kbri.example.org.evil.example",
     "null", "not a url"],
)  # fmt: skip
async def test_other_origins_are_refused(gateway: TestClient, origin: str) -> None:
    for response in (
        await gateway.options("/api/chat", headers={"Origin": origin} | PREFLIGHT),
        await gateway.post("/api/chat", data=chat_body(), headers=JSON | {"Origin": origin}),
    ):
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        assert (await response.json())["error"]["code"] == "origin_not_allowed"


async def test_origin_matching_is_exact(gateway: TestClient) -> None:
    # Browsers send the canonical spelling; another one is refused, never echoed back.
    origin = "HTTPS://KBRI.example.org:443"
    response = await gateway.options("/api/chat", headers={"Origin": origin} | PREFLIGHT)
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_requests_without_origin_are_allowed(gateway: TestClient) -> None:
    response = await gateway.post("/api/chat", data=chat_body(), headers=JSON)
    assert response.status == 503
    assert "Access-Control-Allow-Origin" not in response.headers


def test_default_origins_are_the_gateways_own() -> None:
    settings = Settings.from_env({"GATEWAY_PORT": "8123"})
    assert settings.allowed_origins == {"http://localhost:8123", "http://127.0.0.1:8123"}


@pytest.mark.parametrize("value", ["*", "https://kbri.example.org/path", "kbri.example.org"])
def test_unusable_allowed_origins_stop_the_start(value: str) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_ORIGINS"):
        Settings.from_env({"ALLOWED_ORIGINS": value})

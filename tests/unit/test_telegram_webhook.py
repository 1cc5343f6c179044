"""Webhook mode: the gateway serves the webhook path and trusts only Telegram's secret token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Update
from aiohttp.test_utils import TestClient

from bot.telegram.service import SECRET_HEADER, TELEGRAM
from deploy.stack import free_port

from .test_gateway_support import settings_for, start_client

SECRET = "webhook-secret_1"
PATH = "/telegram/webhook"


def update(text: str = "halo") -> dict[str, Any]:
    return {
        "update_id": 1,
        "message": {
            "message_id": 2,
            "date": 1_700_000_000,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "U"},
            "text": text,
        },
    }


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[TestClient, list[Update]]]:
    settings = settings_for(
        TELEGRAM_BOT_TOKEN="123:abcdefgh",
        TELEGRAM_WEBHOOK_URL=f"https://duta.example.org{PATH}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        # Nobody listens there: setWebhook keeps retrying in the background, harmlessly.
        TELEGRAM_API_BASE=f"http://127.0.0.1:{free_port()}",
    )
    client = await start_client(settings)
    fed: list[Update] = []

    async def feed_update(bot: Bot, received: Update, **kwargs: Any) -> None:
        fed.append(received)

    service = client.server.app[TELEGRAM]
    service.dispatcher.feed_update = feed_update  # type: ignore[method-assign]
    try:
        yield client, fed
    finally:
        await client.close()


async def post(client: TestClient, body: bytes, secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    response = await client.post(PATH, data=body, headers=headers)
    await response.read()
    return response.status


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_calls_without_the_secret_token_are_refused(
    gateway: tuple[TestClient, list[Update]], secret: str | None
) -> None:
    client, fed = gateway
    assert await post(client, json.dumps(update()).encode(), secret) == 401
    assert fed == []


async def test_an_update_is_accepted_and_handed_to_the_dispatcher(
    gateway: tuple[TestClient, list[Update]],
) -> None:
    client, fed = gateway
    assert await post(client, json.dumps(update()).encode()) == 200
    await _settle()
    assert [u.message.text for u in fed if u.message] == ["halo"]


async def test_updates_larger_than_a_chat_request_are_accepted(
    gateway: tuple[TestClient, list[Update]],
) -> None:
    client, fed = gateway
    body = json.dumps(update("x" * 40_000)).encode()  # over the gateway's 16 KiB body limit
    assert await post(client, body) == 200
    await _settle()
    assert len(fed) == 1


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"update_id": "x"}'])
async def test_what_is_not_an_update_is_refused(
    gateway: tuple[TestClient, list[Update]], body: bytes
) -> None:
    client, fed = gateway
    assert await post(client, body) == 400
    assert fed == []


async def test_polling_mode_serves_no_webhook() -> None:
    settings = settings_for(
        TELEGRAM_BOT_TOKEN="123:abcdefgh", TELEGRAM_API_BASE=f"http://127.0.0.1:{free_port()}"
    )
    client = await start_client(settings)
    try:
        assert await post(client, json.dumps(update()).encode()) in (404, 405)
    finally:
        await client.close()


async def _settle() -> None:
    """Let the background task that feeds the update run."""
    for _ in range(5):
        await asyncio.sleep(0)

"""Shared helpers for the gateway tests (imported by the test_gateway_* modules; no tests here).

The gateway runs for real on aiohttp's test server. Rasa and the action server are pointed at
ports where nothing listens, or at a socket that accepts connections and never answers: real
network conditions, no fake Rasa. Forwarding to a real Rasa is the integration suite's job.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.config import Settings
from bot.logging_setup import AccessLogger
from deploy.stack import free_port

ALLOWED_ORIGIN = "https://kbri.example.org"


def settings_for(**env: str) -> Settings:
    """Settings from an environment in which Rasa and the action server are down."""
    base = {
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}",
        "ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "LOG_SALT": "test-salt",
    }
    return Settings.from_env(base | env)


async def start_client(settings: Settings) -> TestClient:
    server = TestServer(create_app(settings))
    await server.start_server(access_log_class=AccessLogger)  # as `python -m bot` runs it
    client = TestClient(server)
    await client.start_server()
    return client


@contextlib.asynccontextmanager
async def running_gateway(**env: str) -> AsyncIterator[TestClient]:
    client = await start_client(settings_for(**env))
    try:
        yield client
    finally:
        await client.close()


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never answers: a hung upstream."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def chat_body(**fields: Any) -> bytes:
    return json.dumps({"sender": "user-1", "message": "halo", "lang": None} | fields).encode()


JSON = {"Content-Type": "application/json"}

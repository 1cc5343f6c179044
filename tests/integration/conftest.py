"""One real three-process stack for the whole integration run, on ports of its own."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploy.stack import Stack, StackConfig

from .knowledge_copy import private_knowledge
from .telegram_fake import TelegramTestApi


@dataclass
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.body.get("messages", []))


class RunningStack:
    """The started stack plus the small HTTP helpers the tests need."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.config = stack.config

    def chat(self, sender: str, message: str, lang: str | None = None) -> Reply:
        payload = {"sender": sender, "message": message, "lang": lang}
        return self.post("/api/chat", payload)

    def post(self, path: str, payload: object, headers: dict[str, str] | None = None) -> Reply:
        data = json.dumps(payload).encode()
        request = urllib.request.Request(
            self.config.gateway_url + path,
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        return _send(request)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return _send(urllib.request.Request(self.config.gateway_url + path, headers=headers or {}))

    def admin_headers(self) -> dict[str, str]:
        """What staff send to see /health's details (the stack's DUTA_ADMIN_TOKEN)."""
        return {"Authorization": f"Bearer {self.config.extra_env['DUTA_ADMIN_TOKEN']}"}

    def tracker(self, rasa_sender: str) -> dict[str, Any]:
        """The conversation as Rasa stored it (through Rasa's own HTTP API)."""
        url = (
            f"{self.config.rasa_url}/conversations/{rasa_sender}/tracker"
            f"?token={self.config.rasa_token}"
        )
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def restart_all(self) -> None:
        self.stack.stop_all()
        self.stack.start_all()
        self.stack.wait_healthy()


def _send(request: urllib.request.Request) -> Reply:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return Reply(error.code, json.loads(error.read() or b"{}"))


@pytest.fixture(scope="session")
def telegram_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelegramTestApi]:
    """The Bot API emulator (npm telegram-test-api); the session stack's gateway polls it."""
    with TelegramTestApi.running(tmp_path_factory.mktemp("telegram") / "api.log") as api:
        yield api


@pytest.fixture(scope="session")
def running_stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: TelegramTestApi
) -> Iterator[RunningStack]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    config = StackConfig.private(
        workdir,
        # One stack for the whole run: its gateway also runs the Telegram connector. It serves a
        # private copy of knowledge/ and the index (test_retrain.py adds FAQs and reloads).
        # Every test talks from 127.0.0.1, so the per-address limit is off here; the limits
        # themselves are tested on gateways of their own (extra_gateway.py).
        extra_env={
            **telegram_api.gateway_env(),
            **private_knowledge(workdir),
            "RATE_LIMIT_IP_PER_MIN": "0",
        },
    )
    stack = Stack(config)
    stack.start_all()
    try:
        stack.wait_healthy()
        yield RunningStack(stack)
    finally:
        stack.stop_all()

"""At INFO the logs hold no sender id in clear, no message text, no secret; JSON, one a line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import JsonFormatter, Pseudonymizer, setup_logging

from .test_gateway_support import JSON, chat_body, running_gateway

SENDER = "widget-7f3a9c"
TEXT = "Nomor paspor saya B1234567, tolong bantu perpanjang"
TOKEN = "rasa-secret-token-5d1e"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def _converse(level: str) -> str:
    stream = io.StringIO()
    setup_logging(level, [TOKEN, "test-salt"], stream)
    async with running_gateway(RASA_TOKEN=TOKEN, RATE_LIMIT_SENDER_PER_MIN="2") as client:
        for body in (
            chat_body(sender=SENDER, message=TEXT),  # Rasa is down: an upstream failure
            chat_body(sender=SENDER, message=TEXT),
            chat_body(sender=SENDER, message=TEXT),  # rate limited
            chat_body(sender=SENDER, message=TEXT, lang="xx"),  # refused
        ):
            await client.post("/api/chat", data=body, headers=JSON)
        await client.get("/health")
    return stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
async def test_info_logs_hold_only_hashes() -> None:
    logs = await _converse("INFO")
    lines = [json.loads(line) for line in logs.splitlines()]
    messages = {line["msg"] for line in lines}
    assert {"chat failed upstream", "rate limited", "chat refused", "access"} <= messages
    assert SENDER not in logs
    assert TEXT not in logs and "B1234567" not in logs
    assert TOKEN not in logs
    hashed = Pseudonymizer("test-salt")(f"api:{SENDER}")
    assert any(line.get("sender") == hashed for line in lines)
    assert all("latency_ms" in line for line in lines if line["msg"] == "access")
    assert all("?" not in line.get("path", "") for line in lines)


@pytest.mark.usefixtures("restore_logging")
async def test_debug_logs_show_the_text_for_troubleshooting() -> None:
    logs = await _converse("DEBUG")
    assert TEXT in logs  # the INFO test above would notice if this leaked upward
    assert SENDER not in logs and TOKEN not in logs


def test_secrets_and_token_queries_are_masked_in_any_line() -> None:
    formatter = JsonFormatter([TOKEN])
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "GET http://r/status?token=abc&x=1 with %s", (TOKEN,), None
    )
    line = formatter.format(record)
    assert TOKEN not in line and "token=abc" not in line
    assert "token=***&x=1" in line


def test_pseudonyms_are_stable_per_salt_and_short() -> None:
    assert Pseudonymizer("a")("api:u") == Pseudonymizer("a")("api:u")
    assert Pseudonymizer("a")("api:u") != Pseudonymizer("b")("api:u")
    assert len(Pseudonymizer(None)("api:u")) == 12

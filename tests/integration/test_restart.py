"""Rasa killed, then the whole stack: friendly 503s meanwhile, every conversation intact after.

One test for both faults, so the suite pays for a single Rasa restart (60-130 s).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.i18n import text

from .conftest import RunningStack

pytestmark = pytest.mark.integration

CONVERSATIONS = {
    "en": ["hello", "When was the ICDD held?", "thanks"],
    "id": ["halo", "Kapan ICDD diadakan?", "Apa itu aplikasi Safe Travel?"],
}


def _events(running_stack: RunningStack, sender: str) -> list[dict[str, Any]]:
    return running_stack.tracker(f"api:{sender}")["events"]


def test_rasa_down_then_whole_stack_restarted_loses_nothing(running_stack: RunningStack) -> None:
    tag = uuid.uuid4().hex[:8]
    senders = {language: f"restart-{language}-{tag}" for language in CONVERSATIONS}
    for language, messages in CONVERSATIONS.items():
        for message in messages:
            reply = running_stack.chat(senders[language], message)
            assert reply.status == 200 and reply.body["language"] == language, reply.body
    before = {language: _events(running_stack, sender) for language, sender in senders.items()}

    stack = running_stack.stack
    try:
        # Rasa crashes: the gateway (still the same process) says so kindly, in each user's
        # language, with a 503 rather than an error page, and /health names what is down.
        stack.kill("rasa")
        for language, sender in senders.items():
            reply = running_stack.chat(sender, CONVERSATIONS[language][1])
            assert reply.status == 503, reply.body
            assert reply.body["error"] == {
                "code": "upstream_unavailable",
                "message": text("upstream_unavailable", language),
            }
            assert reply.body["language"] == language
            assert reply.text == text("upstream_unavailable", language)
        health = running_stack.get("/health")
        assert health.status == 503
        assert health.body["not_ready"] == ["rasa"], health.body
        assert health.body["rasa"] == {"ready": False}, "the public answer gives no details"
        health = running_stack.get("/health", running_stack.admin_headers())
        assert health.body["rasa"]["ready"] is False and health.body["rasa"]["error"]

        # Then everything else goes down too, without a chance to clean up.
        stack.kill("action_server")
        stack.kill("gateway")
    finally:
        for name in ("action_server", "rasa", "gateway"):
            if name not in stack.processes:
                stack.start(name)
        stack.wait_healthy()

    # Every conversation is there, event for event, and goes on in the language it had, even for
    # a message that does not tell its language.
    for language, sender in senders.items():
        assert _events(running_stack, sender)[: len(before[language])] == before[language]
        reply = running_stack.chat(sender, "ok")
        assert reply.status == 200 and reply.body["language"] == language, reply.body
        said = [e["text"] for e in _events(running_stack, sender) if e["event"] == "user"]
        assert said == [*CONVERSATIONS[language], "ok"]

"""A conversation survives a restart of the whole stack (SQLite tracker store)."""

from __future__ import annotations

import uuid

import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.integration


def test_history_survives_killing_and_restarting_the_stack(running_stack: RunningStack) -> None:
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    first = running_stack.chat(sender, "hello")
    assert first.status == 200 and first.body["language"] == "en"
    running_stack.chat(sender, "When was the ICDD held?")

    for name in ("gateway", "action_server", "rasa"):
        running_stack.stack.kill(name)
    running_stack.stack.start_all()
    running_stack.stack.wait_healthy()

    events = running_stack.tracker(f"api:{sender}")["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == ["hello", "When was the ICDD held?"]
    # The conversation goes on in the language it had, even for a message with no language cues.
    after = running_stack.chat(sender, "ok")
    assert after.status == 200 and after.body["language"] == "en"

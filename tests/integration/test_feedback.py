"""Thumbs up/down on the real session stack (issue 22, point 6): in Chromium, a thumbs down under
a widget answer reaches the staff console's queue as "rated unhelpful"; on Telegram
(telegram-test-api) the inline thumbs keep one vote per person, a thumbs down queues the
question and a thumbs up takes it out again; /api/feedback refuses what it does not know.
And point 2: an answer given below the low-confidence bar joins the queue, a sure one does not."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from admin.console.ratings import LOW_CONFIDENCE_BAR
from bot.i18n import text

from .conftest import RunningStack
from .telegram_fake import TelegramTestApi, TelegramUser, count_at_least
from .test_console import add_account
from .test_widget_support import ARTIFACTS, Widget, chromium

pytestmark = pytest.mark.integration

THUMBS_UP, THUMBS_DOWN = "\N{THUMBS UP SIGN}", "\N{THUMBS DOWN SIGN}"


def console_db(stack: RunningStack) -> Path:
    return stack.config.tracker_db.parent / "console.db"


def queued(stack: RunningStack, question: str) -> list[tuple[str, str, str | None]]:
    """(channel, reason, answered_by) of the queue's entries for this question."""
    with sqlite3.connect(console_db(stack)) as db:
        return db.execute(
            "SELECT channel, reason, answered_by FROM unanswered WHERE text = ?", (question,)
        ).fetchall()


def rated_down(stack: RunningStack, question: str) -> list[tuple[str, str | None]]:
    """(channel, answered_by) of the queue's thumbs-down entries for this question."""
    return [(c, by) for c, reason, by in queued(stack, question) if reason == "unhelpful"]


def test_thumbs_down_in_the_widget_reaches_the_console_queue(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    # A question the knowledge answers (with a source), worded for this test alone. Not made
    # unique with a random suffix: an unknown word lowers the answer's confidence, and about 1 in
    # 20 suffixes took it under the bar.
    question = "ICDD diadakan tahun berapa ya?"
    password = add_account(console_db(running_stack), "feedback-viewer", "viewer")
    gateway = running_stack.config.gateway_url
    with chromium(tmp_path / "profile") as context:
        widget = Widget(context.new_page()).goto(gateway + "/demo")
        widget.open()
        answer = "\n".join(widget.send(question))
        assert "2021" in answer, answer
        rate = widget.page.locator("duta-widget li.rate").last
        down = rate.get_by_role("button", name=re.compile("Tidak membantu|Not helpful"))
        down.click()
        thanks = text("rating_thanks_down", "id")
        rate.get_by_text(thanks).wait_for(timeout=15_000)
        assert down.get_attribute("aria-pressed") == "true"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)  # docs/img has copies
        widget.panel.screenshot(path=str(ARTIFACTS / "widget-thumbs.png"))
        assert rated_down(running_stack, question) == [("api", None)]
        # The same thumb again changes nothing; the vote survives a reload of the page.
        widget.page.locator("duta-widget li.rate").last.get_by_role(
            "button", name=re.compile("Tidak membantu|Not helpful")
        ).click()
        time.sleep(1.0)
        assert rated_down(running_stack, question) == [("api", None)]
        widget.page.reload()
        widget.panel.wait_for(state="visible")  # still open after a reload (sessionStorage)
        kept = widget.page.locator("duta-widget li.rate").last
        again = kept.get_by_role("button", name=re.compile("Tidak membantu|Not helpful"))
        assert again.get_attribute("aria-pressed") == "true"
        assert widget.page_errors == [] and widget.csp_violations() == []

        console = context.new_page()
        console.goto(gateway + "/admin/unanswered?lang=en")
        console.fill("#name", "feedback-viewer")
        console.fill("#password", password)
        console.get_by_role("button", name=re.compile("Masuk|Log in")).click()
        console.wait_for_url("**/admin/unanswered*", timeout=180_000)  # model load
        console.goto(gateway + "/admin/unanswered?lang=en")
        group = console.locator("section.group", has_text=question).first
        group.wait_for(timeout=120_000)
        assert "rated unhelpful: 1" in group.inner_text()
        group.screenshot(path=str(ARTIFACTS / "console-rated.png"))
        assert "ICDD" in group.locator("li.rated").first.inner_text()


def _thumbs(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b for row in rows for b in row if "rate:" in b.get("callback_data", "")}


def _wait_for_thumbs(user: TelegramUser, message_id: int, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = next(m for m in user.bot_messages() if m["message_id"] == message_id)
        if wanted in _thumbs(now):
            return now
        time.sleep(0.2)
    raise AssertionError(f"no {wanted!r} under the answer: {_thumbs(now)}")


def test_telegram_inline_thumbs_rate_an_answer(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    user = telegram_api.user(language_code="en")
    question = "In what year was the ICDD held?"  # worded for this test alone
    user.send(question)
    [answer] = user.replies(count_at_least(1), settle=1.0)
    assert "2021" in answer["text"]
    assert set(_thumbs(answer)) == {THUMBS_UP, THUMBS_DOWN}

    user.press(answer, THUMBS_DOWN)
    marked = _wait_for_thumbs(user, answer["message_id"], f"✓ {THUMBS_DOWN}")
    assert rated_down(running_stack, question) == [("telegram", None)]
    # Pressing the other thumb replaces the vote: out of the queue again.
    user.press(marked, THUMBS_UP)
    _wait_for_thumbs(user, answer["message_id"], f"✓ {THUMBS_UP}")
    assert rated_down(running_stack, question) == []
    user.nothing_for(1.0)  # thanks come as the button's notice, not as a message


def test_feedback_refuses_unknown_answers_and_garbage(running_stack: RunningStack) -> None:
    answer = running_stack.chat(f"feedback-{uuid.uuid4().hex[:8]}", "Kapan ICDD diadakan?")
    answer_id = answer.body.get("answer_id")
    assert isinstance(answer_id, str), answer.body
    sender = "feedback-garbage"
    log = running_stack.config.log_dir / "gateway.log"
    tracebacks = log.read_text(errors="replace").count("Traceback")
    for body in (
        {"sender": sender, "answer_id": "A" * 22, "vote": "down"},
        {"sender": sender, "answer_id": answer_id, "vote": "sideways"},
        {"sender": sender, "answer_id": None, "vote": "up"},
        ["not", "an", "object"],
    ):
        refused = running_stack.post("/api/feedback", body)
        assert refused.status == 400, (body, refused)
        assert refused.body["error"]["message"]
    assert log.read_text(errors="replace").count("Traceback") == tracebacks


# Dev retrieval questions the knowledge layer answers right but below the low-confidence bar
# (0.96-0.97 on the project's index, bench/low_confidence.py), and one it is sure of.
UNSURE = [
    "why is digital diplomacy useful",
    "what makes digital diplomacy hard",
    "Which app does the Indonesian foreign ministry offer to keep citizens safe overseas?",
]
SURE = "Kapan ICDD diadakan?"


def _kept(stack: RunningStack, answer_id: str) -> tuple[float | None, str | None]:
    """(confidence, record) of an answer as the console keeps it (written in the background)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sqlite3.connect(console_db(stack)) as db:
            row = db.execute(
                "SELECT confidence, ref FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()
        if row is not None:
            return row
        time.sleep(0.2)
    raise AssertionError(f"answer {answer_id} was not kept")


def test_answers_below_the_bar_are_queued_as_low_confidence(running_stack: RunningStack) -> None:
    low = 0
    for question in [*UNSURE, SURE]:
        reply = running_stack.chat(f"lowconf-{uuid.uuid4().hex[:8]}", question)
        assert reply.status == 200 and reply.body["fallback"] is False, reply.body
        confidence, record = _kept(running_stack, reply.body["answer_id"])
        assert confidence is not None and record, (question, confidence, record)
        reasons = [reason for _, reason, _ in queued(running_stack, question)]
        if confidence < LOW_CONFIDENCE_BAR:
            low += 1
            assert "low_confidence" in reasons, (question, confidence)
        else:
            assert "low_confidence" not in reasons, (question, confidence)
    assert low >= 1, "no answer below the bar: pick new UNSURE questions (bench.low_confidence)"

"""The console's test chat on the real session stack, in Chromium (issue 22, point 4): a viewer
asks a question the visa form takes ("I need a visa") and the page names that flow and why;
after "New test chat" a FAQ question, and the page names the entry. The test conversations are
Rasa's own (real NLU, actions and tracker), erased on "New test chat" and on logout, and never
reach the unanswered queue. Screenshots for docs/console.md."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from admin.console.try_chat import SENDER_PREFIX

from .conftest import RunningStack
from .test_console import add_account
from .test_widget_support import ARTIFACTS, chromium

pytestmark = pytest.mark.integration

VISA = "I need a visa"
ENTRY = "dd-diplomacy-4-0"  # content/faq/digital_diplomacy.yml
QUESTION = "Apa itu Diplomasi 4.0?"


def _test_conversations(stack: RunningStack) -> int:
    """Events of the console's test conversations in Rasa's tracker store."""
    with sqlite3.connect(stack.config.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id LIKE ?", (f"{SENDER_PREFIX}%",)
        ).fetchone()[0]


def _queued(stack: RunningStack, text: str) -> int:
    with sqlite3.connect(stack.config.tracker_db.parent / "console.db") as db:
        return db.execute("SELECT count(*) FROM unanswered WHERE text = ?", (text,)).fetchone()[0]


def test_the_test_chat_shows_which_path_answered_and_why(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    password = add_account(
        running_stack.config.tracker_db.parent / "console.db", "try-viewer", "viewer"
    )
    gateway = running_stack.config.gateway_url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Other tests on the shared stack may ask the same questions through the chat: count ours.
    queued_before = (_queued(running_stack, VISA), _queued(running_stack, QUESTION))
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(gateway + "/admin/try?lang=en")
        assert page.url.endswith("/admin/login")
        page.fill("#name", "try-viewer")
        page.fill("#password", password)
        page.get_by_role("button", name=re.compile("Masuk|Log in")).click()
        page.wait_for_url("**/admin/unanswered")
        page.goto(gateway + "/admin/unanswered?lang=en")  # the console in English from here
        page.get_by_role("link", name="Test chat").click()
        page.wait_for_url("**/admin/try")

        # The visa form takes "I need a visa": the path names it, and why.
        page.fill("#message", VISA)
        page.select_option("#chat_lang", "en")
        page.get_by_role("button", name="Send").click()
        path = page.locator("#latest aside.path")
        path.wait_for(timeout=60_000)
        assert path.get_attribute("data-kind") == "flow", path.inner_text()
        assert path.get_attribute("data-flow") == "visa_form", path.inner_text()
        assert "Flow: the visa form" in path.inner_text()
        why = path.locator("ul.reasons li").all_inner_texts()
        assert re.fullmatch(r"The question was recognised as a visa question \(\d+ %\)\.", why[0])
        assert "no FAQ entry answered this question clearly" in why[1], why
        # The reply as users see it: the form's question with its buttons.
        assert page.locator("#latest .reply ul.buttons button").count() == 3  # 2 answers, Cancel
        assert _test_conversations(running_stack) > 0
        page.screenshot(path=str(ARTIFACTS / "console-try-visa.png"), full_page=True)

        # A new test chat erases that conversation; a FAQ question gets its entry.
        page.get_by_role("button", name="New test chat").click()
        page.locator("#try-empty").wait_for()
        assert _test_conversations(running_stack) == 0
        page.fill("#message", QUESTION)
        page.select_option("#chat_lang", "")
        page.get_by_role("button", name="Send").click()
        path = page.locator("#latest aside.path")
        path.wait_for(timeout=60_000)
        assert path.get_attribute("data-kind") == "entry", path.inner_text()
        assert path.get_attribute("data-record") == ENTRY
        assert f"FAQ entry {ENTRY}" in path.inner_text()
        why = path.locator("ul.reasons li").all_inner_texts()
        assert re.search(r"matched it with a score of 1?\.\d{4}; Duta answers from 0\.948", why[1])
        sources = page.locator("#latest .reply ul.srcs li").all_inner_texts()
        assert sources and re.search(r"\d{4}-\d{2}-\d{2}", sources[0]), sources
        page.screenshot(path=str(ARTIFACTS / "console-try-entry.png"), full_page=True)

        # Logging out erases the test conversation; nothing reached the queue.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/admin/login")
    assert _test_conversations(running_stack) == 0
    assert (_queued(running_stack, VISA), _queued(running_stack, QUESTION)) == queued_before

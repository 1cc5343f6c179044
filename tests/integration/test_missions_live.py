"""The mission card on the real stack, end to end (issue 20):

- staff import a changed mission with `python -m admin missions import` into the directory
  the running stack serves (its private copy of knowledge/): the next answers carry the change,
  with no restart and no retrain, and importing the earlier export brings the old card back;
- the widget (headless Chromium) shows the card of a city named in an emergency, with the
  hotline, and the mission's website is a link that opens;
- Telegram (telegram-test-api) shows the same card, its website as a bare URL Telegram links
  and its source as an HTML link.

The card and the hotline are checked to be in one reply, not in which order.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bot.telegram.formatting import is_safe_url
from knowledge.missions import load_directory

from .conftest import Reply, RunningStack
from .telegram_fake import TelegramTestApi, count_at_least
from .test_telegram import visible
from .test_widget_support import Widget, chromium

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HOTLINE = "+62 812 9007 0027"
EMERGENCY = "Help, I was robbed in Osaka!"
MARKER = "DUTA-MISSIONS-IMPORT-TEST"
# Made up for this test: the stack's copy of the directory holds it only while the test runs.
TEST_SOURCE = "test-import-source,A source made up for the import test,https://example.org/x,"


def _missions(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "admin", "missions", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _until(running_stack: RunningStack, wanted: str, timeout: float = 60.0) -> tuple[Reply, float]:
    """Ask the emergency question (a new conversation each time) until the reply holds `wanted`;
    the reply and the seconds it took."""
    started = time.monotonic()
    while True:
        reply = running_stack.chat(f"import-{uuid.uuid4().hex[:8]}", EMERGENCY)
        if wanted in reply.text:
            return reply, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{wanted!r} not served within {timeout:.0f} s: {reply.text}")
        time.sleep(0.5)


def test_an_imported_change_is_served_without_a_restart(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    knowledge = Path(running_stack.config.extra_env["DUTA_KNOWLEDGE_DIR"])
    env = {**os.environ, "DUTA_KNOWLEDGE_DIR": str(knowledge), "DUTA_CHANGED_BY": "integration"}
    original = load_directory(knowledge / "missions.yml").by_id("kjri-osaka")
    assert original is not None and original.contacts["address"].value
    old_address = str(original.contacts["address"].value)
    pids = {name: process.pid for name, process in running_stack.stack.processes.items()}
    reply, _ = _until(running_stack, old_address)
    assert HOTLINE in reply.text

    backup = tmp_path / "before.csv"
    done = _missions(env, "export", str(backup))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(backup.read_text(encoding="utf-8-sig"))))
    osaka = next(row for row in rows if row["id"] == "kjri-osaka")
    osaka.update({"address": f"{MARKER} 1-1, Osaka", "address_source": "test-import-source"})
    changed = tmp_path / "osaka.csv"
    with changed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(osaka))
        writer.writeheader()
        writer.writerow(osaka)
    sources = tmp_path / "sources.csv"
    today = time.strftime("%Y-%m-%d", time.gmtime())
    sources.write_text(f"id,title,url,date\n{TEST_SOURCE}{today}\n", encoding="utf-8")

    try:
        done = _missions(env, "import", str(changed), "--sources", str(sources))
        assert done.returncode == 0, done.stderr
        reply, seconds = _until(running_stack, MARKER)
        print(f"imported change served after {seconds:.1f} s")
        assert HOTLINE in reply.text
        assert "Consulate General of the Republic of Indonesia in Osaka" in reply.text
        dates = {s["date"] for m in reply.body["messages"] for s in m["sources"]}
        assert today in dates, "the changed address is dated by its new source"
        log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
        assert "missions import osaka.csv --sources sources.csv\n- by: integration\n" in log
        assert f"-> '{MARKER} 1-1, Osaka' (test-import-source)" in log
    finally:
        # The export from before brings the old card back, the same way staff would undo.
        done = _missions(env, "import", str(backup))
    assert done.returncode == 0, done.stderr
    reply, _ = _until(running_stack, old_address)
    assert MARKER not in reply.text
    alive = {name: process.pid for name, process in running_stack.stack.processes.items()}
    assert alive == pids and running_stack.stack.exited() == {}, "nothing was restarted"


def test_a_refused_import_leaves_the_card_as_it_was(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    knowledge = Path(running_stack.config.extra_env["DUTA_KNOWLEDGE_DIR"])
    env = {**os.environ, "DUTA_KNOWLEDGE_DIR": str(knowledge)}
    before = (knowledge / "missions.yml").read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,address,phone,phone_source\nkjri-osaka,{MARKER},+81 xx,\n")
    done = _missions(env, "import", str(bad))
    assert done.returncode == 2
    assert "bad.csv row 1 (line 2) (kjri-osaka): phone: not a telephone number" in done.stderr
    assert (knowledge / "missions.yml").read_bytes() == before
    reply = running_stack.chat(f"import-{uuid.uuid4().hex[:8]}", EMERGENCY)
    assert MARKER not in reply.text and "Osaka" in reply.text


def test_the_widget_shows_the_card_of_the_city_named_with_a_working_link(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    osaka = load_directory().by_id("kjri-osaka")
    assert osaka is not None
    website = str(osaka.contacts["website"].value)
    gateway = running_stack.config.gateway_url
    with chromium(tmp_path / "profile") as context:
        # The mission's site, served by the test: nothing leaves the machine.
        context.route(
            website + "*",
            lambda route: route.fulfill(
                body="<!doctype html><title>KJRI Osaka</title>", content_type="text/html"
            ),
        )
        widget = Widget(context.new_page()).goto(gateway + "/demo")
        widget.open()
        widget.page.get_by_role("button", name="EN", exact=True).click()
        answer = "\n".join(widget.send(EMERGENCY))
        assert widget.errors_shown() == []
        assert HOTLINE in answer, answer
        assert "Consulate General of the Republic of Indonesia in Osaka" in answer, answer
        assert str(osaka.contacts["phone"].value) in answer, answer
        link = widget.page.locator(f'duta-widget .msg.bot a[href="{website}"]').last
        expect(link).to_be_visible()
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in (link.get_attribute("rel") or "")
        with context.expect_page() as opened:
            link.click()
        page = opened.value
        page.wait_for_load_state()
        assert page.url.rstrip("/") == website.rstrip("/")
        assert page.title() == "KJRI Osaka"
        widget.screenshot("widget-mission-card-city.png")


def test_telegram_shows_the_card_with_a_link(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    osaka = load_directory().by_id("kjri-osaka")
    assert osaka is not None
    website = str(osaka.contacts["website"].value)
    user = telegram_api.user(language_code="en")
    user.send(EMERGENCY)
    replies = user.replies(count_at_least(2), settle=2.0)
    shown = "\n".join(visible(r) for r in replies)
    assert HOTLINE in shown
    assert "Consulate General of the Republic of Indonesia in Osaka" in shown
    card = next(r for r in replies if "Osaka" in visible(r) and website in visible(r))
    assert card["parse_mode"] == "HTML"
    # Telegram links a bare URL that stands as a word of its own: the website must be one,
    # whole (not cut by markup or glued to the next word).
    assert website in re.findall(r"(?<!\S)https?://[^\s<>\"]+", visible(card)), visible(card)
    assert is_safe_url(website)
    # The card's source, as a link of its own.
    anchors = re.findall(r'<a href="([^"]+)">', card["text"])
    assert anchors and all(is_safe_url(url) for url in anchors), card["text"]

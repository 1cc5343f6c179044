"""The widget in real headless Chromium against the gateway alone (no Rasa: /api/chat answers 503).

What needs no assistant is tested here: isolation from the host page's CSS, keyboard use and
announcements, the gateway's errors as the widget shows them, CORS from an allowed third-party
site, the data- attributes, the phone layout. Where a test needs particular answers (hostile
markup, quick replies, history) the browser's own network layer answers /api/chat instead
(`page.route`); the real assistant is tested in test_widget_stack.py. The hardening (refused sites,
failed messages after a reload, link contrast, focus on phones, deleting a conversation) is in
test_widget_hardening.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from deploy.stack import free_port

from .test_widget_support import (
    PHONE,
    SHADOW,
    Widget,
    chromium,
    embedding_page,
    gateway_alone,
    other_site,
)

MAX_CHARS = 200
SENDER_LIMIT = 4


@dataclass
class Setup:
    gateway: str
    site: str  # another origin, listed in the gateway's ALLOWED_ORIGINS


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    port = free_port()
    widget_js = f"http://127.0.0.1:{port}/widget.js"
    pages = {
        "/en-auto.html": embedding_page(widget_js, "en", lang="auto"),
        "/id-forced.html": embedding_page(widget_js, "en", lang="id"),
        "/left.html": embedding_page(
            widget_js, "en", position="left", color="#ffd700", title="Consulate helper"
        ),
        "/bad-values.html": embedding_page(
            widget_js, "en", color="red;background:url(x)", position="top"
        ),
    }
    with other_site(pages) as site:
        own = f"http://127.0.0.1:{port},http://localhost:{port}"
        with gateway_alone(
            port,
            ALLOWED_ORIGINS=f"{own},{site}",
            MAX_MESSAGE_CHARS=str(MAX_CHARS),
            RATE_LIMIT_SENDER_PER_MIN=str(SENDER_LIMIT),
            RATE_LIMIT_IP_PER_MIN="0",  # every test comes from 127.0.0.1
            LOG_SALT="widget-tests",
        ) as gateway:
            yield Setup(gateway, site)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    with chromium(tmp_path / "profile") as context:
        yield context


def on_demo(setup: Setup, browser: BrowserContext, path: str = "/demo") -> Widget:
    return Widget(browser.new_page()).goto(setup.gateway + path)


def answer_with(widget: Widget, make_reply: Any) -> list[dict[str, Any]]:
    """Answer /api/chat in the browser with make_reply(request body); returns the bodies sent."""
    sent: list[dict[str, Any]] = []

    def handle(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        sent.append(body)
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps(make_reply(body))
        )

    widget.page.route("**/api/chat", handle)
    return sent


def reply(text: str, buttons: list[dict[str, str]] | None = None, **extra: Any) -> dict[str, Any]:
    message = {"text": text, "buttons": buttons or [], "sources": extra.pop("sources", [])}
    return {"language": "en", "fallback": False, "messages": [message], **extra}


def page_style(widget: Widget, selector: str, prop: str) -> str:
    return str(
        widget.page.evaluate(
            f"getComputedStyle(document.querySelector({json.dumps(selector)}))"
            f".getPropertyValue({json.dumps(prop)})"
        )
    )


def test_widget_and_page_do_not_restyle_each_other(setup: Setup, browser: BrowserContext) -> None:
    widget = on_demo(setup, browser)
    widget.open()
    # The page's Georgia, letter-spacing, uppercase gold-framed buttons, Roman-numbered lists and
    # `[role=dialog] {display: none !important}` do not reach into the widget ...
    assert "Georgia" not in widget.style(".msg", "font-family")
    assert widget.style(".msg", "letter-spacing") == "normal"
    assert widget.style(".msg", "line-height") != page_style(widget, "body", "line-height")
    assert widget.style(".chip", "text-transform") == "none"
    assert widget.style(".chip", "min-width") in ("auto", "0px")
    assert widget.style(".launcher", "border-radius") == "50%"
    assert widget.style("textarea", "background-color") == "rgb(255, 255, 255)"
    assert widget.style(".log", "list-style-type") == "none"
    assert widget.style(".log", "box-sizing") == "border-box"
    expect(widget.panel).to_be_visible()
    # ... and the widget's own classes, used by the page too, leave the page's look alone.
    assert page_style(widget, "main button", "text-transform") == "uppercase"
    assert page_style(widget, ".cards .panel", "border-radius") == "0px"
    assert page_style(widget, ".cards .panel", "position") == "static"
    assert page_style(widget, "li.msg", "font-style") == "italic"
    assert widget.style(".msg", "font-style") == "normal"
    assert page_style(widget, ".cards .title", "color") == "rgb(92, 22, 22)"
    assert widget.style(".title", "color") == "rgb(255, 255, 255)"
    assert widget.page_errors == [] and widget.console_errors == []


def test_keyboard_only_use_and_screen_reader_announcements(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    page = widget.page
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Buka obrolan dengan Duta")).to_be_visible()
    widget.launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Duta · KBRI Valdoria")).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert widget.focused_id() == "duta-input", "opening moves focus to the message box"
    dialog = page.get_by_role("dialog")
    for name in ("Kirim", "Percakapan baru", "Tutup obrolan"):
        expect(dialog.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_role("textbox", name="Pesan untuk Duta")).to_be_visible()
    expect(page.get_by_role("group", name="Bahasa tampilan")).to_be_visible()

    # Shift+Enter is a new line, Enter sends.
    page.keyboard.type("satu")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("dua")
    assert widget.input.input_value() == "satu\ndua"
    assert widget.count(".msg.user") == 0
    page.keyboard.press("Enter")
    widget.wait_for_answer(widget.count(".msg.bot"))
    assert widget.texts(".msg.user") == ["satu\ndua"]
    assert widget.focused_id() == "duta-input"
    # The polite live region reads the outcome out (here the gateway's 503 apology).
    page.wait_for_function(f"() => {SHADOW}.querySelector('[aria-live=polite]').textContent")
    live = page.evaluate(f"{SHADOW}.querySelector('[aria-live=polite]').textContent")
    assert "Duta sedang tidak dapat dihubungi" in live

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(f"{SHADOW}.activeElement.classList.contains('launcher')")


def test_gateway_errors_are_shown_in_the_chosen_language_with_a_retry(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    widget.open()
    widget.send("halo")
    assert widget.errors_shown() == [
        "Mohon maaf, Duta sedang tidak dapat dihubungi. Silakan coba lagi beberapa saat lagi. "
        "Untuk keadaan darurat di luar negeri, hubungi KBRI/KJRI terdekat. Kirim ulang"
    ]
    assert widget.texts(".msg.user") == ["halo"], "the message stays in the conversation"
    with widget.page.expect_request("**/api/chat") as retried:
        widget.page.get_by_role("button", name="Kirim ulang").click()
    assert json.loads(retried.value.post_data or "{}")["message"] == "halo"
    widget.wait_for_answer(widget.count(".msg.bot"))
    assert widget.texts(".msg.user") == ["halo"], "a retry does not repeat the message"

    widget.page.get_by_role("button", name="EN", exact=True).click()
    expect(widget.input).to_have_attribute("placeholder", "Type your question…")
    widget.send("hello")
    # Failed messages keep their error (and retry): the newest is last.
    assert widget.errors_shown()[-1].startswith("Sorry, Duta cannot be reached right now.")
    # Both failed messages keep a retry (labelled in the language now chosen).
    expect(widget.page.get_by_role("button", name="Send again")).to_have_count(2)


def test_a_too_long_message_is_explained_and_given_back(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    widget.open()
    long_text = "Apakah saya perlu visa? " * 20
    assert len(long_text.strip()) > MAX_CHARS
    widget.send(long_text)
    assert widget.errors_shown() == [
        f"Pesan Anda terlalu panjang (paling banyak {MAX_CHARS} karakter). Mohon persingkat."
    ]
    assert widget.input.input_value() == long_text.strip(), "back in the box to be shortened"
    assert widget.texts(".msg.user") == [], "and no longer in the conversation"


def test_too_many_messages_are_refused_politely(setup: Setup, browser: BrowserContext) -> None:
    widget = on_demo(setup, browser)
    widget.open()
    widget.page.get_by_role("button", name="EN", exact=True).click()
    for n in range(SENDER_LIMIT):
        widget.send(f"question {n}")
        assert "Sorry, Duta cannot be reached" in widget.errors_shown()[-1]
    widget.send("one more")
    error = widget.errors_shown()[-1]
    assert error.startswith("Sorry, too many messages. Please try again in "), error


def test_a_site_in_allowed_origins_can_use_the_api_across_origins(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.site + "/en-auto.html")
    # data-lang="auto" follows <html lang="en">.
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat with Duta")
    widget.open()
    with widget.page.expect_request(lambda r: r.method == "POST") as sent:
        widget.send("hello")
    # The API URL comes from the script's own src, not from the page's origin.
    assert sent.value.url == setup.gateway + "/api/chat"
    body = json.loads(sent.value.post_data or "{}")
    assert body["message"] == "hello" and body["lang"] == "en"
    assert body["sender"].startswith("w-")
    # The gateway's own words: the JSON body was readable, so the preflight (for Content-Type:
    # application/json) and the CORS headers on the answer both passed.
    assert widget.errors_shown()[0].startswith(
        "Sorry, Duta cannot be reached right now. Please try again in a moment."
    )
    assert widget.page_errors == []


def test_data_attributes_set_title_colour_position_and_language(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.site + "/left.html")
    box = widget.launcher.bounding_box()
    assert box is not None and box["x"] < 100, "data-position=left"
    assert widget.style(".launcher", "background-color") == "rgb(255, 215, 0)"
    # On a light colour the icon turns dark, and links and chips a readable blue.
    assert widget.style(".launcher", "color") == "rgb(0, 0, 0)"
    assert widget.style(".chip", "color") == "rgb(11, 79, 156)"
    widget.open()
    expect(widget.page.get_by_role("dialog", name="Consulate helper")).to_be_visible()

    widget = Widget(browser.new_page()).goto(setup.site + "/id-forced.html")
    expect(widget.launcher).to_have_attribute("aria-label", "Buka obrolan dengan Duta")

    widget = Widget(browser.new_page()).goto(setup.site + "/bad-values.html")
    assert widget.style(".launcher", "background-color") == "rgb(155, 28, 28)", "default colour"
    box = widget.launcher.bounding_box()
    assert box is not None and box["x"] > 1000, "default position: right"


def test_on_a_phone_the_panel_fills_the_screen(setup: Setup, tmp_path: Path) -> None:
    with chromium(tmp_path / "phone-profile", PHONE) as context:
        widget = on_demo(setup, context)
        widget.launcher.tap()
        expect(widget.panel).to_be_visible()
        assert widget.panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
        expect(widget.launcher).to_be_hidden()
        assert widget.style("textarea", "font-size") == "16px", "no zoom-in on iOS"
        widget.page.get_by_role("dialog").get_by_role("button", name="Tutup obrolan").tap()
        expect(widget.launcher).to_be_visible()


HOSTILE = reply(
    "<img src=x onerror=alert(1)> read https://example.org/page?a=1. Thanks",
    buttons=[{"title": "<b>bold</b><img src=y onerror=alert(2)>", "payload": "/ask_events"}],
    sources=[
        {"title": "<script>alert(3)</script>", "url": "javascript:alert(4)", "date": None},
        {"title": "Good source", "url": "https://example.org/src", "date": "2021-11-16"},
        {"title": "Data URL", "url": "data:text/html,<script>alert(5)</script>", "date": None},
        {"title": "No URL", "url": None, "date": None},
    ],
)


def test_server_data_is_shown_as_text_and_only_http_links(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)  # /demo sends no CSP: injected markup would run here
    sent = answer_with(widget, lambda body: HOSTILE)
    widget.open()
    widget.send("<img src=x onerror=alert(6)>")
    assert widget.texts(".msg.user") == ["<img src=x onerror=alert(6)>"]
    [text] = widget.bot_replies()[1:]
    assert text.startswith("<img src=x onerror=alert(1)> read https://example.org/page?a=1. Thanks")
    assert sent[0]["message"] == "<img src=x onerror=alert(6)>"

    def check_rendering() -> None:
        assert widget.dialogs == []
        # /demo's strict CSP blocks an injected handler; it would show up as a violation.
        assert widget.csp_violations() == []
        assert widget.count("img, script, b, iframe, object, embed") == 0
        links = widget.page.evaluate(
            f"""[...{SHADOW}.querySelectorAll('a')].map(a => ({{
                href: a.getAttribute('href'), rel: a.rel, target: a.target,
                text: a.firstChild.textContent}}))"""
        )
        assert links == [
            {"href": "https://example.org/page?a=1", "rel": "noopener noreferrer",
             "target": "_blank", "text": "https://example.org/page?a=1"},
            {"href": "https://example.org/src", "rel": "noopener noreferrer",
             "target": "_blank", "text": "Good source"},
        ]  # fmt: skip
        sources = widget.texts(".srcs li")
        assert sources[1] == "Good source (16 November 2021)"
        assert {"<script>alert(3)</script>", "Data URL", "No URL"} <= set(sources)
        assert widget.texts(".replies .chip") == ["<b>bold</b><img src=y onerror=alert(2)>"]

    check_rendering()
    widget.page.reload()
    widget.launcher.wait_for()
    check_rendering()  # the same from the stored history
    assert widget.page_errors == []


def test_quick_replies_send_the_payload_and_show_the_title(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    menu = [{"title": "Acara", "payload": "/ask_events"}, {"title": "Visa", "payload": "/ask_visa"}]
    sent = answer_with(
        widget,
        lambda body: reply("Pilih topik", menu) if body["message"] == "menu" else reply("Acara!"),
    )
    widget.open()
    before = widget.count(".msg.bot")
    widget.page.get_by_role("button", name="Lihat topik").click()  # the starter chip
    widget.wait_for_answer(before)
    expect(widget.page.get_by_role("group", name="Pilihan balasan")).to_be_visible()
    before = widget.count(".msg.bot")
    widget.page.get_by_role("button", name="Acara", exact=True).click()
    assert widget.wait_for_answer(before) == ["Acara!"]
    assert [body["message"] for body in sent] == ["menu", "/ask_events"]
    assert widget.texts(".msg.user") == ["Lihat topik", "Acara"]
    assert widget.count(".replies") == 0, "answered quick replies go away"
    assert widget.focused_id() == "duta-input", "focus stays in the widget"


def test_history_follows_reloads_and_pages_and_a_new_conversation_starts_over(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    sent = answer_with(widget, lambda body: reply(f"Echo: {body['message']}"))
    widget.open()
    widget.send("first")
    live = f"{SHADOW}.querySelector('[aria-live=polite]').textContent"
    widget.page.wait_for_function(f"() => {live} === 'Duta: Echo: first'")  # replies are read out
    widget.send("second")
    transcript = (widget.texts(".msg.user"), widget.bot_replies())
    assert transcript == (
        ["first", "second"],
        [widget.bot_replies()[0], "Echo: first", "Echo: second"],
    )

    widget.page.reload()
    widget.launcher.wait_for()
    expect(widget.panel).to_be_visible()  # still open within this tab ...
    assert widget.focused_id() is None  # ... without stealing focus on page load
    assert (widget.texts(".msg.user"), widget.bot_replies()) == transcript

    # Another page of the same site; it has a strict CSP, under which the widget still works.
    widget = Widget(widget.page)
    widget.page.goto(setup.gateway + "/demo/layanan")
    widget.launcher.wait_for()
    assert (widget.texts(".msg.user"), widget.bot_replies()) == transcript
    assert widget.style(".launcher", "border-radius") == "50%", "styles not blocked by the CSP"
    assert widget.console_errors == [] and widget.page_errors == []

    answer_with(widget, lambda body: (sent.append(body), reply("Echo"))[1])
    widget.page.get_by_role("button", name="Percakapan baru").click()
    assert widget.texts(".msg.user") == [] and len(widget.bot_replies()) == 1  # the welcome
    assert widget.focused_id() == "duta-input"
    widget.send("third")
    assert sent[-1]["sender"] != sent[0]["sender"] == sent[1]["sender"]
    widget.page.reload()
    widget.launcher.wait_for()
    assert widget.texts(".msg.user") == ["third"]


def test_language_follows_the_page_is_switchable_and_sent_as_the_hint(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)  # <html lang="id">, data-lang="auto"
    sent = answer_with(widget, lambda body: reply("ok"))
    widget.open()
    expect(widget.input).to_have_attribute("placeholder", "Tulis pertanyaan Anda…")
    expect(widget.page.get_by_role("button", name="ID", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    widget.send("halo")
    widget.page.get_by_role("button", name="EN", exact=True).click()
    expect(widget.page.get_by_role("button", name="EN", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(widget.page.get_by_role("button", name="New conversation")).to_be_visible()
    # Still under the mouse: the pressed button keeps its legible colours.
    assert widget.style(".langs [lang=en]", "background-color") == "rgb(255, 255, 255)"
    assert widget.bot_replies()[0].startswith("Hello! I'm Duta")
    widget.send("hello")
    assert [body["lang"] for body in sent] == ["id", "en"]
    widget.page.reload()  # the choice is remembered
    widget.launcher.wait_for()
    expect(widget.launcher).to_have_attribute("aria-label", "Close chat")


def test_errors_without_a_readable_message_get_the_widgets_own_words(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = on_demo(setup, browser)
    answers = iter(
        [
            (403, "application/json", {"error": {"code": "origin_not_allowed", "message": ""}}),
            (502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            (429, "application/json", {"unexpected": True}),
        ]
    )

    def handle(route: Route) -> None:
        status, content_type, body = next(answers)
        text = body if isinstance(body, str) else json.dumps(body)
        route.fulfill(status=status, content_type=content_type, body=text)

    widget.page.route("**/api/chat", handle)
    widget.open()
    widget.send("halo")
    # A refused site: said plainly, without a retry (test_widget_hardening.py).
    assert widget.errors_shown() == [
        "Situs ini belum disiapkan untuk Duta, jadi Duta tidak dapat menjawab di sini."
    ]
    widget.send("halo lagi")
    assert widget.errors_shown()[-1] == (
        "Mohon maaf, Duta sedang tidak dapat dihubungi. Silakan coba lagi nanti. Kirim ulang"
    )
    widget.send("dan lagi")
    assert widget.errors_shown()[-1] == (
        "Pesan Anda terlalu banyak. Tunggu sebentar, lalu coba lagi. Kirim ulang"
    )
    assert widget.page_errors == []

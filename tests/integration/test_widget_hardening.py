"""The widget's hardening in headless Chromium against the gateway alone (no Rasa).

A site not in ALLOWED_ORIGINS, failed messages after a reload, readable links in both bubbles,
focus on a phone, "Delete my conversation". Each test saves a screenshot to
tests/integration/screenshots/; docs/widget.md records what a person saw in them.
/api/forget is answered in the browser here (its contract); the real one is in test_widget_stack.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from deploy.stack import free_port

from .test_widget_gateway import answer_with, reply
from .test_widget_support import (
    PHONE,
    SCREENSHOTS,
    SHADOW,
    Widget,
    chromium,
    embedding_page,
    gateway_alone,
    other_site,
)

NOT_SET_UP = {
    "en": "This site is not set up for Duta, so Duta cannot answer here.",
    "id": "Situs ini belum disiapkan untuk Duta, jadi Duta tidak dapat menjawab di sini.",
}
FORGET_DONE = (
    "Percakapan Anda sudah dihapus dari Duta dan dari perangkat ini. Percakapan baru dimulai."
)


@dataclass
class Setup:
    gateway: str
    site: str  # in ALLOWED_ORIGINS
    refused: str  # not in ALLOWED_ORIGINS


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    port = free_port()
    widget_js = f"http://127.0.0.1:{port}/widget.js"
    allowed_pages = {
        "/default.html": embedding_page(widget_js, "en"),
        "/light.html": embedding_page(widget_js, "en", color="#ffd700"),
        "/grey.html": embedding_page(widget_js, "en", color="#777777"),
    }
    refused_pages = {
        "/en.html": embedding_page(widget_js, "en"),
        "/id.html": embedding_page(widget_js, "id"),
    }
    with other_site(allowed_pages) as site, other_site(refused_pages) as refused:
        own = f"http://127.0.0.1:{port},http://localhost:{port}"
        with gateway_alone(
            port,
            ALLOWED_ORIGINS=f"{own},{site}",
            RATE_LIMIT_IP_PER_MIN="0",  # every test comes from 127.0.0.1
            LOG_SALT="widget-hardening-tests",
        ) as gateway:
            yield Setup(gateway, site, refused)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    with chromium(tmp_path / "profile") as context:
        yield context


def shot(widget: Widget, name: str) -> Path:
    """The open panel only: small enough to keep in docs/img/ once checked."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    widget.panel.screenshot(path=str(path))
    return path


# ---- 2. a site not in ALLOWED_ORIGINS --------------------------------------------------------


def test_a_site_not_in_allowed_origins_is_told_so_without_a_retry(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.refused + "/en.html")
    widget.open()
    widget.send("hello")
    assert widget.errors_shown() == [NOT_SET_UP["en"]]
    assert widget.count(".msg.error button") == 0, "no retry: it could never work"
    # The site's administrator finds the fix in the console.
    told = [m for m in widget.console_errors if "ALLOWED_ORIGINS" in m]
    assert len(told) == 1 and setup.refused in told[0], widget.console_errors
    shot(widget, "refused-origin-en.png")

    widget.page.reload()  # still said after a reload, still without a retry
    widget.launcher.wait_for()
    assert widget.errors_shown() == [NOT_SET_UP["en"]]
    assert widget.count(".msg.error button") == 0

    widget = Widget(browser.new_page()).goto(setup.refused + "/id.html")
    widget.open()
    widget.send("halo")
    assert widget.errors_shown()[-1] == NOT_SET_UP["id"]
    assert widget.count(".msg.error button") == 0
    assert widget.page_errors == []


def test_an_allowed_site_that_cannot_reach_the_gateway_still_gets_a_retry(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.site + "/default.html")
    widget.page.route("**/api/chat", lambda route: route.abort())  # a network failure
    widget.open()
    widget.send("hello")
    assert widget.errors_shown() == [
        "Cannot reach Duta. Check your internet connection and try again. Send again"
    ]
    assert not [m for m in widget.console_errors if "ALLOWED_ORIGINS" in m]


# ---- 3. failed messages after a reload -------------------------------------------------------


def test_a_failed_message_keeps_its_retry_after_a_reload(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    widget.open()
    widget.send("halo")  # the gateway alone: 503
    [error] = widget.errors_shown()
    assert error.startswith("Mohon maaf, Duta sedang tidak dapat dihubungi") and error.endswith(
        "Kirim ulang"
    )

    widget.page.reload()
    widget.launcher.wait_for()
    assert widget.texts(".msg.user") == ["halo"]
    assert widget.errors_shown() == [error], "the error and its retry come back"
    shot(widget, "failed-message-after-reload.png")

    answer_with(widget, lambda body: reply(f"Echo: {body['message']}"))
    before = widget.count(".msg.bot:not(.typing)")
    widget.page.get_by_role("button", name="Kirim ulang").click()
    assert widget.wait_for_answer(before) == ["Echo: halo"]
    assert widget.errors_shown() == []
    assert widget.texts(".msg.user") == ["halo"], "sent again, not repeated"
    widget.page.reload()
    widget.launcher.wait_for()
    assert widget.errors_shown() == [] and widget.texts(".msg.user") == ["halo"]


def test_a_failed_quick_reply_is_retried_with_its_payload(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    sent: list[dict[str, Any]] = []

    def fail_then_answer(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        if len(sent) == 1:
            route.abort()
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(reply("ok")))

    widget.page.route("**/api/chat", fail_then_answer)
    widget.open()
    widget.page.get_by_role("button", name="Lihat topik").click()
    widget.wait_for_answer(widget.count(".msg.bot:not(.typing)"))
    widget.page.reload()
    widget.launcher.wait_for()
    widget.page.get_by_role("button", name="Kirim ulang").click()
    widget.page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.msg.bot').length === 2")
    assert [body["message"] for body in sent] == ["menu", "menu"]
    assert widget.texts(".msg.user") == ["Lihat topik"]


# ---- 4. links in both bubbles ----------------------------------------------------------------


def _luminance(css_color: str) -> float:
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", css_color)
    assert match, css_color
    channels = [int(c) / 255 for c in match.groups()]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two computed CSS colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("page", "screenshot"),
    [
        ("/default.html", "links-default-colour.png"),  # the widget's default #9b1c1c
        ("/light.html", "links-light-colour.png"),  # data-color="#ffd700"
        ("/grey.html", None),  # #777777: near-black text would be 4.2:1 here
    ],
)
def test_links_are_readable_in_both_bubbles(
    setup: Setup, browser: BrowserContext, page: str, screenshot: str | None
) -> None:
    widget = Widget(browser.new_page()).goto(setup.site + page)
    answer_with(widget, lambda body: reply("Details: https://example.org/answer"))
    widget.open()
    widget.send("Is https://example.org/my-visa right?")
    for link, bubble in ((".msg.user a", ".msg.user"), (".msg.bot a", ".msg.bot")):
        color = widget.style(link, "color")
        background = widget.style(bubble, "background-color")
        ratio = contrast(color, background)
        assert ratio >= 4.5, f"{page} {link}: {color} on {background} is {ratio:.2f}:1"
        assert "underline" in widget.style(link, "text-decoration-line"), "not by colour alone"
        # The bubble's own text too.
        assert contrast(widget.style(bubble, "color"), background) >= 4.5
    if screenshot:
        shot(widget, screenshot)


# ---- 5. focus on a phone ---------------------------------------------------------------------

ACTIVE = f"""(() => {{
    const el = {SHADOW}.activeElement;
    if (!el) return null;
    const inside = {SHADOW}.querySelector('.panel').contains(el);
    return (inside ? '' : 'OUTSIDE ') + el.tagName + ' ' + (el.getAttribute('aria-label') ||
        el.textContent.trim());
}})()"""


def test_on_a_phone_focus_cycles_inside_the_modal_panel(setup: Setup, tmp_path: Path) -> None:
    with chromium(tmp_path / "phone-profile", PHONE) as context:
        widget = Widget(context.new_page()).goto(setup.gateway + "/demo")
        page = widget.page
        widget.launcher.tap()
        expect(widget.panel).to_be_visible()
        expect(widget.panel).to_have_attribute("aria-modal", "true")
        assert page.evaluate(ACTIVE) == "TEXTAREA "
        forward = []
        for _ in range(20):
            page.keyboard.press("Tab")
            forward.append(page.evaluate(ACTIVE))
        assert all(name and not name.startswith("OUTSIDE") for name in forward), forward
        controls = {
            "BUTTON ID", "BUTTON EN", "BUTTON Percakapan baru", "BUTTON Hapus percakapan saya",
            "BUTTON Tutup obrolan", "BUTTON Lihat topik", "TEXTAREA ", "BUTTON Kirim",
        }  # fmt: skip
        assert set(forward) == controls
        cycle = len(controls)
        assert forward[:cycle] == forward[cycle : 2 * cycle], "a cycle, in the same order"
        order = forward[:cycle]
        backward = [forward[-1]]
        for _ in range(20):
            page.keyboard.press("Shift+Tab")
            backward.append(page.evaluate(ACTIVE))
        for now, then in itertools.pairwise(backward):
            assert order.index(then) == (order.index(now) - 1) % cycle, (order, backward)
        for _ in range(cycle):
            if page.evaluate(ACTIVE) == "BUTTON Tutup obrolan":
                break
            page.keyboard.press("Tab")
        shot(widget, "phone-focus-in-panel.png")


def test_on_a_wide_screen_the_panel_is_not_modal(setup: Setup, browser: BrowserContext) -> None:
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    widget.open()
    assert widget.panel.get_attribute("aria-modal") is None
    # Shift+Tab from the panel's first control leaves the panel: it does not cover the page.
    widget.page.get_by_role("button", name="ID", exact=True).focus()
    widget.page.keyboard.press("Shift+Tab")
    active = widget.page.evaluate(ACTIVE)
    assert active is None or active.startswith("OUTSIDE"), active
    # Narrowed to a phone's width, it covers the page and becomes modal.
    widget.page.set_viewport_size({"width": 400, "height": 800})
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    widget.page.set_viewport_size({"width": 1000, "height": 800})
    expect(widget.panel).not_to_have_attribute("aria-modal", "true")


# ---- 6. "Delete my conversation" -------------------------------------------------------------


def answer_forget(widget: Widget, status: int, body: dict[str, Any]) -> list[dict[str, Any]]:
    asked: list[dict[str, Any]] = []

    def handle(route: Route) -> None:
        asked.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    widget.page.route("**/api/forget", handle)
    return asked


def stored(widget: Widget) -> dict[str, Any]:
    return dict(json.loads(widget.page.evaluate("localStorage.getItem('duta.widget.v1')")))


def test_delete_my_conversation_asks_then_forgets_and_starts_afresh(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    page = widget.page
    sent = answer_with(widget, lambda body: reply(f"Echo: {body['message']}"))
    asked = answer_forget(widget, 200, {"forgotten": True})
    widget.open()
    widget.send("nomor paspor saya A1234567")
    old_sender = sent[0]["sender"]

    page.get_by_role("button", name="Hapus percakapan saya").click()
    question = page.get_by_role("group", name=re.compile("Hapus percakapan ini dari Duta"))
    expect(question).to_be_visible()
    assert widget.focused_id() is None and page.evaluate(ACTIVE) == "BUTTON Batal"
    shot(widget, "delete-confirm.png")
    question.get_by_role("button", name="Batal").click()
    expect(question).to_be_hidden()
    assert asked == [] and widget.texts(".msg.user") == ["nomor paspor saya A1234567"]

    page.get_by_role("button", name="Hapus percakapan saya").click()
    question.get_by_role("button", name="Hapus", exact=True).click()
    expect(page.locator("duta-widget .notice")).to_have_text(FORGET_DONE)
    assert asked == [{"sender": old_sender}]
    assert widget.texts(".msg.user") == [] and len(widget.bot_replies()) == 1  # the welcome
    live = f"{SHADOW}.querySelector('[aria-live=polite]').textContent"
    page.wait_for_function(f"() => {live} === {json.dumps(FORGET_DONE)}")
    state = stored(widget)
    assert state["items"] == [] and state["sender"] != old_sender
    assert "A1234567" not in json.dumps(state)
    shot(widget, "delete-done.png")

    widget.send("halo")
    assert sent[-1]["sender"] == state["sender"]
    widget.page.reload()
    widget.launcher.wait_for()
    assert widget.texts(".msg.user") == ["halo"]


def test_delete_my_conversation_keeps_it_when_the_gateway_cannot(
    setup: Setup, browser: BrowserContext
) -> None:
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    page = widget.page
    answer_with(widget, lambda body: reply("ok"))
    error = {"error": {"code": "upstream_unavailable", "message": "Sorry, not now."}}
    asked = answer_forget(widget, 503, error)
    widget.open()
    page.get_by_role("button", name="EN", exact=True).click()
    widget.send("hello")
    before = stored(widget)
    page.get_by_role("button", name="Delete my conversation").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("duta-widget .msg.error")).to_have_text("Sorry, not now.")
    assert len(asked) == 1
    assert stored(widget) == before, "nothing is cleared until the gateway has forgotten"
    assert widget.texts(".msg.user") == ["hello"]
    # Esc closes the question before it closes the panel.
    page.get_by_role("button", name="Delete my conversation").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    expect(widget.panel).to_be_visible()


# ---- the CSP watch the XSS tests rely on -----------------------------------------------------


def test_markup_injected_into_the_widget_is_caught_by_the_demo_csp(
    setup: Setup, browser: BrowserContext
) -> None:
    """The XSS tests run on /demo, which has a strict CSP: an injected inline handler does not
    run there, so they look for the violation it causes. This shows that they would see it."""
    widget = Widget(browser.new_page()).goto(setup.gateway + "/demo")
    widget.open()
    widget.page.evaluate(
        f"{SHADOW}.querySelector('.log').insertAdjacentHTML('beforeend', "
        "'<li><img src=x onerror=alert(1)></li>')"
    )
    widget.page.wait_for_function("() => window.__cspViolations.length > 0")
    assert any("script-src" in v for v in widget.csp_violations()), widget.csp_violations()
    assert widget.dialogs == []

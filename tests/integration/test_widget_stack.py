"""The widget on /demo in real headless Chromium, talking to the real Rasa, actions and index.

Screenshots (desktop 1280x800, phone 390x844) go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from knowledge.language import detect_language

from .conftest import RunningStack
from .test_widget_support import (
    PHONE,
    Widget,
    chromium,
    embedding_page,
    other_site,
    post_json,
    request,
)

pytestmark = pytest.mark.integration

ICDD_DATES = ("16 November 2021", "November 16, 2021")


def test_a_conversation_in_the_demo_widget(running_stack: RunningStack, tmp_path: Path) -> None:
    gateway = running_stack.config.gateway_url
    with chromium(tmp_path / "profile") as context:
        widget = Widget(context.new_page()).goto(gateway + "/demo")
        widget.screenshot("widget-desktop-closed.png")
        widget.open()

        # Indonesian (the demo page is <html lang="id">).
        [greeting, *_] = widget.send("halo")
        assert widget.errors_shown() == []
        assert detect_language(greeting) == "id", greeting
        sources_before = widget.count(".srcs li")
        answer = "\n".join(widget.send("Kapan ICDD diadakan?"))
        assert "16 November 2021" in answer, answer
        assert detect_language(answer) == "id", answer
        assert widget.count(".srcs li") > sources_before, "the answer shows its source"

        # English, after switching the interface to English.
        widget.page.get_by_role("button", name="EN", exact=True).click()
        answer = "\n".join(
            widget.send("When was the International Conference on Digital Diplomacy held?")
        )
        assert any(date in answer for date in ICDD_DATES), answer
        assert detect_language(answer) == "en", answer
        assert widget.errors_shown() == []
        widget.screenshot("widget-desktop.png")

        # A quick reply from the help menu: the payload goes out, the title is shown.
        widget.send("help")
        chips = widget.texts(".replies .chip")
        assert "Events" in chips, chips
        before = widget.count(".msg.bot")
        with widget.page.expect_request("**/api/chat") as sent:
            widget.page.get_by_role("button", name="Events", exact=True).click()
        assert json.loads(sent.value.post_data or "{}")["message"] == "/ask_events"
        [*events] = widget.wait_for_answer(before)
        assert events and widget.errors_shown() == []
        assert widget.texts(".msg.user")[-1] == "Events"
        widget.screenshot("widget-desktop-quick-reply.png")

        # The history is still there after a reload, and on another page of the site.
        transcript = (widget.texts(".msg.user"), widget.bot_replies())
        widget.page.reload()
        widget.launcher.wait_for()
        assert (widget.texts(".msg.user"), widget.bot_replies()) == transcript
        widget.page.goto(gateway + "/demo/layanan")
        widget.launcher.wait_for()
        assert (widget.texts(".msg.user"), widget.bot_replies()) == transcript

        # Markup typed by the user is text, and nothing runs: /demo's strict CSP would block an
        # injected handler, and the browser would report the violation.
        widget.page.goto(gateway + "/demo")
        widget.launcher.wait_for()
        widget.send("<img src=x onerror=alert(1)>")
        assert widget.texts(".msg.user")[-1] == "<img src=x onerror=alert(1)>"
        expect(widget.page.locator("duta-widget .msg.user").last).to_contain_text(
            "<img src=x onerror=alert(1)>"
        )
        assert widget.count("img") == 0
        widget.page.wait_for_timeout(500)  # a handler would fire as soon as the image fails
        assert widget.dialogs == [] and widget.csp_violations() == []
        assert widget.page_errors == []


def test_the_widget_on_a_phone(running_stack: RunningStack, tmp_path: Path) -> None:
    with chromium(tmp_path / "phone-profile", PHONE) as context:
        widget = Widget(context.new_page()).goto(running_stack.config.gateway_url + "/demo")
        widget.screenshot("widget-phone-closed.png")
        widget.launcher.tap()
        assert widget.panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
        answer = "\n".join(widget.send("Kapan ICDD diadakan?"))
        assert "16 November 2021" in answer, answer
        widget.screenshot("widget-phone.png")


def test_a_site_not_in_allowed_origins_cannot_use_the_api(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    gateway = running_stack.config.gateway_url
    with other_site({"/": embedding_page(f"{gateway}/widget.js", "en")}) as site:
        with chromium(tmp_path / "profile") as context:
            widget = Widget(context.new_page()).goto(site + "/")
            outcome = widget.page.evaluate(
                """async (url) => {
                    try {
                        const response = await fetch(url, {
                            method: "POST",
                            headers: {"Content-Type": "application/json"},
                            body: JSON.stringify({sender: "intruder", message: "halo", lang: null}),
                        });
                        return "read status " + response.status;
                    } catch (error) {
                        return error.name;
                    }
                }""",
                gateway + "/api/chat",
            )
            assert outcome == "TypeError", "the browser must not let the page read an answer"
            # The widget itself, pasted onto such a site, says the site is not set up (it reads
            # the gateway's refusal through its probe), with no retry, and tells the admin.
            widget.open()
            widget.send("hello")
            assert widget.errors_shown() == [
                "This site is not set up for Duta, so Duta cannot answer here."
            ]
            assert any("ALLOWED_ORIGINS" in message for message in widget.console_errors)

        # What the browser sent, by hand: the preflight and the request itself are refused.
        body = {"sender": "intruder", "message": "halo", "lang": None}
        direct = post_json(gateway + "/api/chat", body, {"Origin": site})
        assert direct.status == 403
        assert direct.body["error"]["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in direct.headers
        preflight = request(
            gateway + "/api/chat",
            "OPTIONS",
            headers={
                "Origin": site,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers
        # The gateway's own origin (the demo) is let through, for comparison.
        allowed = post_json(gateway + "/api/chat", body | {"sender": "w-ok"}, {"Origin": gateway})
        assert allowed.status == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == gateway


def test_delete_my_conversation_erases_it_from_the_assistant(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    gateway = running_stack.config.gateway_url
    with chromium(tmp_path / "profile") as context:
        widget = Widget(context.new_page()).goto(gateway + "/demo")
        widget.open()
        with widget.page.expect_request("**/api/chat") as sent:
            widget.send("Kapan ICDD diadakan?")
        sender = json.loads(sent.value.post_data or "{}")["sender"]
        assert _user_texts(running_stack, sender) == ["Kapan ICDD diadakan?"]

        widget.page.get_by_role("button", name="Hapus percakapan saya").click()
        with widget.page.expect_response("**/api/forget") as forgot:
            widget.page.get_by_role("button", name="Hapus", exact=True).click()
        assert forgot.value.status == 200 and forgot.value.json() == {"forgotten": True}
        expect(widget.page.locator("duta-widget .notice")).to_contain_text("sudah dihapus")
        assert widget.texts(".msg.user") == []
        assert _user_texts(running_stack, sender) == [], "gone from Rasa's tracker store"
        with widget.page.expect_request("**/api/chat") as again:
            widget.send("halo")
        assert json.loads(again.value.post_data or "{}")["sender"] != sender
        assert widget.errors_shown() == [] and widget.page_errors == []


def _user_texts(running_stack: RunningStack, sender: str) -> list[str]:
    events = running_stack.tracker(f"api:{sender}").get("events") or []
    return [event.get("text") for event in events if event.get("event") == "user"]


def test_an_embassy_site_with_data_mission_gets_its_missions_card(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    """The embassy's own site sets data-mission: help without a place names that mission, and
    the button in the panel's header shows its card."""
    gateway = running_stack.config.gateway_url
    page_url = gateway + "/an-embassy-page"  # same origin as the gateway: an allowed site
    html = embedding_page(gateway + "/widget.js", page_lang="en", mission="kbri-tokyo")
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.route(page_url, lambda route: route.fulfill(body=html, content_type="text/html"))
        widget = Widget(page).goto(page_url)
        widget.open()
        with widget.page.expect_request("**/api/chat") as sent:
            answer = "\n".join(widget.send("I lost my passport, what do I do?"))
        assert json.loads(sent.value.post_data or "{}")["mission"] == "kbri-tokyo"
        assert "Your Indonesian mission: Embassy of the Republic of Indonesia in Tokyo" in answer
        link = widget.page.locator('duta-widget a[href="https://kemlu.go.id/tokyo"]')
        expect(link.first).to_be_visible()
        widget.screenshot("widget-mission-card.png")

        # Another place named, then the header's button: still this embassy's own card.
        osaka = "\n".join(widget.send("and if I were in Osaka?"))
        assert "Osaka" in osaka, osaka
        before = widget.count(".msg.bot:not(.typing)")
        widget.page.get_by_role("button", name="This Indonesian mission's contacts").click()
        card = "\n".join(widget.wait_for_answer(before))
        assert "Embassy of the Republic of Indonesia in Tokyo" in card, card
        assert "Osaka" not in card, card

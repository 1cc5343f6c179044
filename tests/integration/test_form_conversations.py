"""One multi-turn conversation per channel through the visa form (issue 18, "forms never trap"):
the form asks, a question in its middle is answered and the form offered once to resume, a
follow-up leans on that answer, the form resumes where it was (by the offer's button, or by a
typed "yes"), and an exit ends it for good.

Telegram (in Indonesian) through the emulator and the widget (in English) in Chromium, both on
the session stack's real gateway, Rasa and action server.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import text
from knowledge.language import detect_language

from .conftest import RunningStack
from .telegram_fake import TelegramTestApi, count_at_least, with_buttons
from .test_telegram import button_titles, visible
from .test_widget_support import Widget, chromium, embedding_page

pytestmark = pytest.mark.integration

# The chips the form's questions carry: after an exit none of them may come back.
FORM_BUTTONS_ID = {"WNA, mau ke Indonesia", "WNI, mau ke luar negeri", "Wisata", "Bisnis",
                   "Negara ASEAN", "Bukan ASEAN"}  # fmt: skip
FORM_BUTTONS_EN = {"Foreigner visiting Indonesia", "Indonesian going abroad", "Tourism",
                   "Business", "An ASEAN country", "Not ASEAN"}  # fmt: skip
# The form's later questions (purpose, nationality), as a user reads them.
FORM_QUESTION_ID = re.compile(r"tujuan kunjungan|kewarganegaraan pengunjung", re.IGNORECASE)
FORM_QUESTION_EN = re.compile(r"purpose of the visit|visitor's nationality", re.IGNORECASE)


def all_buttons(messages: list[dict[str, Any]]) -> set[str]:
    return {title for message in messages for title in button_titles(message)}


def test_telegram_visa_form_question_follow_up_and_exit(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    user = telegram_api.user(language_code="id")

    user.send("saya perlu visa")
    [direction] = user.replies(with_buttons, settle=1.0)
    # The form's first question: which way the trip goes, with the way out named.
    assert {"WNA, mau ke Indonesia", "WNI, mau ke luar negeri"} <= set(button_titles(direction))
    assert "batal" in visible(direction)

    user.press(direction, "WNA, mau ke Indonesia")
    [purpose] = user.replies(with_buttons, settle=1.0)
    assert FORM_QUESTION_ID.search(visible(purpose)), visible(purpose)
    assert {"Wisata", "Bisnis"} <= set(button_titles(purpose))

    # A question in the middle of the form: answered, then the form offered once to resume.
    user.send("apa itu safe travel?")
    replies = user.replies(lambda m: any("Lanjutkan soal visa" in button_titles(x) for x in m),
                           settle=1.5)  # fmt: skip
    answer = "\n".join(visible(m) for m in replies)
    assert "Safe Travel" in answer and "aplikasi" in answer.lower(), answer
    assert not FORM_QUESTION_ID.search(answer), "the question is answered, not the form's asked"
    [offer] = [m for m in replies if "Lanjutkan soal visa" in button_titles(m)]

    # A follow-up that leans on that answer ("it" = the app), not on the form.
    user.send("bisa di android gak?")
    follow_up = user.replies(count_at_least(1), settle=1.5)
    said = "\n".join(visible(m) for m in follow_up)
    assert "Android" in said and "Safe Travel" in said, said
    assert detect_language(said.split("Sumber")[0]) == "id", said
    assert not FORM_QUESTION_ID.search(said) and not all_buttons(follow_up) & FORM_BUTTONS_ID

    # The offer's button, pressed after the follow-up, resumes where the form was: the purpose.
    user.press(offer, "Lanjutkan soal visa")
    [resumed] = user.replies(with_buttons, settle=1.0)
    assert FORM_QUESTION_ID.search(visible(resumed)), visible(resumed)
    assert "Wisata" in button_titles(resumed)
    assert "WNA, mau ke Indonesia" not in button_titles(resumed), "asked again from the start"

    # The exit: the form ends; its old button and its answer typed are no longer form answers.
    user.send("batal")
    ended = user.replies(count_at_least(1), settle=1.5)
    assert not FORM_QUESTION_ID.search("\n".join(visible(m) for m in ended))
    assert not all_buttons(ended) & FORM_BUTTONS_ID

    user.press(resumed, "Wisata")
    stale = user.replies(count_at_least(2), settle=1.5)
    assert stale[0]["text"] == text("button_expired", "id")
    assert "Paspor & konsuler" in all_buttons(stale), "the menu instead"

    user.send("wisata")
    after = user.replies(count_at_least(1), settle=1.5)
    shown = "\n".join(visible(m) for m in after)
    assert not FORM_QUESTION_ID.search(shown), shown
    assert not all_buttons(after) & FORM_BUTTONS_ID, all_buttons(after)


def test_widget_visa_form_question_follow_up_and_exit(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    gateway = running_stack.config.gateway_url
    # An English page of an allowed site (the gateway's own origin): the widget sends the hint
    # "en", not a language choice, so every reply's language is the conversation's own.
    page_url = gateway + "/an-english-page"
    html = embedding_page(gateway + "/widget.js", page_lang="en")
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.route(page_url, lambda route: route.fulfill(body=html, content_type="text/html"))
        widget = Widget(page).goto(page_url)
        widget.open()

        def chips() -> set[str]:
            return set(widget.texts(".replies .chip"))

        def press(title: str) -> list[str]:
            before = widget.count(".msg.bot:not(.typing)")
            widget.page.get_by_role("button", name=title, exact=True).click()
            return widget.wait_for_answer(before)

        [direction] = widget.send("I need a visa")
        assert {"Foreigner visiting Indonesia", "Indonesian going abroad"} <= chips()
        assert "cancel" in direction.lower(), "the way out is named"

        [purpose] = press("Foreigner visiting Indonesia")
        assert widget.texts(".msg.user")[-1] == "Foreigner visiting Indonesia"
        assert FORM_QUESTION_EN.search(purpose), purpose
        assert {"Tourism", "Business"} <= chips()

        # A question in the middle of the form: answered with its source, the form offered.
        sources_before = widget.count(".srcs li")
        replies = widget.send("what is Safe Travel?")
        answer = "\n".join(replies)
        assert "Safe Travel" in answer and not FORM_QUESTION_EN.search(answer), answer
        assert widget.count(".srcs li") > sources_before, "a real answer, with its source"
        assert chips() == {"Continue the visa question"}, chips()

        [resumed] = press("Continue the visa question")
        assert FORM_QUESTION_EN.search(resumed), "resumed where it was: the purpose"
        assert "Foreigner visiting Indonesia" not in chips()

        # A follow-up on the app, while the form waits: about the app, not the form's question.
        follow_up = "\n".join(widget.send("is it on Android?"))
        assert "Android" in follow_up and "Safe Travel" in follow_up, follow_up
        assert detect_language(follow_up) == "en", follow_up
        assert not FORM_QUESTION_EN.search(follow_up) and not chips() & FORM_BUTTONS_EN

        # Typed, the offer's "yes" resumes it as its button does.
        [resumed] = widget.send("yes, continue")
        assert FORM_QUESTION_EN.search(resumed) and "Tourism" in chips()

        # The exit: "menu" shows the topics and ends the form.
        menu = "\n".join(widget.send("menu"))
        assert {"Visa", "Safe Travel", "Events"} <= chips(), chips()
        assert not FORM_QUESTION_EN.search(menu), menu

        # The form's answer, typed now, is no longer read as one: no next form question.
        after = "\n".join(widget.send("Tourism"))
        assert not FORM_QUESTION_EN.search(after), after
        assert not chips() & FORM_BUTTONS_EN, chips()
        assert widget.errors_shown() == [] and widget.page_errors == []

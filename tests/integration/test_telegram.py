"""Duta on Telegram, end to end: telegram-test-api plays Telegram, the real stack answers.

The session stack's gateway polls the emulator (conftest). A second gateway on the same Rasa runs
in webhook mode with short message parts, to see answers split the way a 4096-character limit
splits longer ones. Rasa is stopped last, and started again for the tests after this module.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import text
from deploy.stack import Stack, free_port
from knowledge.language import detect_language

from .conftest import RunningStack
from .telegram_fake import (
    BOT_USERNAME,
    TelegramTestApi,
    TelegramUser,
    count_at_least,
    new_token,
    with_buttons,
)

pytestmark = pytest.mark.integration

PHOTO = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 640, "height": 480}]
PART_CHARS = 200
WEBHOOK_PATH = "/telegram/webhook"


def visible(message: dict[str, Any]) -> str:
    """The text as the user sees it: HTML tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", message.get("text", "")))


def button_titles(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def conversation_sender(user: TelegramUser) -> str:
    """Rasa's sender id: the chat for a private chat, the member in a group."""
    if user.chat_type == "private":
        return f"tg:{user.chat_id}"
    return f"tg:{user.chat_id}:u{user.user_id}"


def user_turns(stack: RunningStack, user: TelegramUser) -> list[str]:
    events = stack.tracker(conversation_sender(user))["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def all_events(stack: RunningStack, user: TelegramUser) -> list[dict[str, Any]]:
    """Every tracker event, also those before a restart (Rasa's default leaves them out)."""
    url = (
        f"{stack.config.rasa_url}/conversations/tg:{user.chat_id}/tracker"
        f"?include_events=ALL&token={stack.config.rasa_token}"
    )
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["events"]


@pytest.fixture
def user(running_stack: RunningStack, telegram_api: TelegramTestApi) -> TelegramUser:
    return telegram_api.user(language_code="id")


@pytest.mark.parametrize(
    ("language_code", "language", "menu_title"),
    [("id", "id", "Paspor & konsuler"), ("en-GB", "en", "Passport & consular")],
)
def test_start_greets_in_the_users_telegram_language_and_shows_the_menu(
    running_stack: RunningStack,
    telegram_api: TelegramTestApi,
    language_code: str,
    language: str,
    menu_title: str,
) -> None:
    user = telegram_api.user(language_code=language_code)
    user.command("/start")
    greeting, menu = user.replies(with_buttons)
    assert greeting["text"] == text("welcome", language)
    assert greeting["parse_mode"] == "HTML"
    assert menu_title in button_titles(menu)
    assert detect_language(visible(menu)) == language


def test_a_question_is_answered_with_its_sources(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    question = "Kapan ICDD diadakan?"
    user.send(question)
    [answer] = user.replies(count_at_least(1), settle=1.0)
    shown = visible(answer)
    assert "16 November 2021" in shown
    assert "\n\nSumber:\n• " in shown
    # The same sources as the API gives, each a link when it has a URL.
    [api_message] = running_stack.chat(f"src-{secrets.token_hex(4)}", question).body["messages"]
    assert api_message["sources"]
    for source in api_message["sources"]:
        assert source["title"] in shown
        if source["url"]:
            assert f'<a href="{html.escape(source["url"])}">' in answer["text"]
    assert user_turns(running_stack, user) == [question]


def test_source_links_are_clickable(running_stack: RunningStack, user: TelegramUser) -> None:
    user.command("/menu")
    [menu] = user.replies(with_buttons)
    user.press(menu, "Darurat")
    # The emergency text, then the question where the user is (for the nearest mission's card).
    answer, *_ = user.replies(count_at_least(2), settle=1.0)
    assert "KBRI/KJRI" in visible(answer)
    assert re.search(r'\n• <a href="https://[^"<>]+">[^<]+</a> \(\d{4}-\d\d-\d\d\)', answer["text"])


def test_english_questions_are_answered_in_english(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    # language_code says Indonesian; the question itself says English, and wins.
    user = telegram_api.user(language_code="id")
    user.send("When was the International Conference on Digital Diplomacy held?")
    [answer] = user.replies(count_at_least(1), settle=1.0)
    shown = visible(answer)
    assert "Sources:" in shown
    assert "16 November 2021" in shown or "November 16, 2021" in shown


def test_buttons_round_trip_through_rasa(running_stack: RunningStack, user: TelegramUser) -> None:
    user.command("/menu")
    [menu] = user.replies(with_buttons)
    user.press(menu, "Safe Travel")
    topic = user.replies(with_buttons)
    assert "Safe Travel" in visible(topic[0])
    assert "Lapor diri perjalanan" in button_titles(topic[-1])

    user.press(topic[-1], "Lapor diri perjalanan")
    [follow_up] = user.replies(count_at_least(1), settle=1.0)
    assert "lapor diri" in visible(follow_up).lower()
    assert user_turns(running_stack, user) == [
        "/help",
        "/ask_safe_travel",
        '/ask_safe_travel{"topic": "register"}',
    ]


def test_lang_switches_the_answers_language(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.command("/lang en")
    [confirmation] = user.replies(count_at_least(1), settle=1.0)
    assert detect_language(visible(confirmation)) == "en"
    user.command("/menu")
    [menu] = user.replies(with_buttons)
    assert "Passport & consular" in button_titles(menu)


def test_reset_starts_a_new_conversation(running_stack: RunningStack, user: TelegramUser) -> None:
    user.send("Kapan ICDD diadakan?")
    user.replies(count_at_least(1))
    user.command("/reset")
    [done] = user.replies(count_at_least(1), settle=1.0)
    assert done["text"] == text("reset_done", "id")
    events = all_events(running_stack, user)
    kinds = [e["event"] for e in events]
    assert kinds.count("restart") == 1
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == ["Kapan ICDD diadakan?", "/restart"]
    after_restart = events[len(kinds) - kinds[::-1].index("restart") :]
    assert not any(e["event"] == "user" for e in after_restart)


def test_forget_erases_the_conversation_after_a_confirmation(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.send("Kapan ICDD diadakan?")
    user.replies(count_at_least(1))
    rows = f"SELECT count(*) FROM events WHERE sender_id = 'tg:{user.chat_id}'"

    def stored() -> int:
        with sqlite3.connect(running_stack.config.tracker_db) as db:
            return db.execute(rows).fetchone()[0]

    assert stored() > 0
    user.command("/forget")
    [ask] = user.replies(with_buttons)
    assert ask["text"] == text("forget_confirm", "id")
    user.press(ask, text("forget_no", "id"))
    [kept] = user.replies(count_at_least(1), settle=1.0)
    assert kept["text"] == text("forget_kept", "id") and stored() > 0

    user.command("/forget")
    [ask] = user.replies(with_buttons)
    user.press(ask, text("forget_yes", "id"))
    [done] = user.replies(count_at_least(1), settle=1.0)
    assert done["text"] == text("forget_done", "id")
    assert stored() == 0


@pytest.mark.parametrize(
    ("content", "key"),
    [({"photo": PHOTO}, "text_only"),
     ({"location": {"latitude": 1.29, "longitude": 103.85}}, "location")],
)  # fmt: skip
def test_non_text_messages_are_answered_helpfully(
    running_stack: RunningStack, user: TelegramUser, content: dict[str, Any], key: str
) -> None:
    user.send_media(**content)
    [answer] = user.replies(count_at_least(1), settle=1.0)
    assert answer["text"] == text(key, "id")


def test_a_photo_caption_is_read_as_the_question(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.send_media(photo=PHOTO, caption="Kapan ICDD diadakan?")
    [answer] = user.replies(count_at_least(1), settle=1.0)
    assert "16 November 2021" in visible(answer)


def test_an_edit_of_an_older_message_gets_no_second_answer(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    """The emulator gives every message, edits too, a new id: an edit it sends never matches
    the last message answered. (An edit of the last one: the webhook test below.)"""
    user.send("Kapan ICDD diadakan?")
    user.replies(count_at_least(1), settle=1.0)
    user.send("Kapan RCDD diadakan?", edit_date=int(time.time()))
    user.nothing_for(3.0)
    assert user_turns(running_stack, user) == ["Kapan ICDD diadakan?"]


def test_an_unknown_command_gets_the_command_list(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.command("/foo")
    replies = user.replies(count_at_least(2), settle=1.0)
    assert replies[0]["text"] == text("unknown_command", "id")
    assert "/menu" in replies[1]["text"] and "/lang" in replies[1]["text"]
    assert user_turns(running_stack, user) == []


def test_a_lang_choice_holds_for_questions_in_the_other_language(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.command("/lang id")
    user.replies(count_at_least(1), settle=1.0)
    user.send("When was the ICDD held?")
    [answer] = user.replies(count_at_least(1), settle=1.0)
    assert "16 November 2021" in visible(answer)
    assert detect_language(visible(answer).split("Sumber")[0]) == "id", visible(answer)


def test_a_stale_button_after_reset_gets_the_menu_not_the_fallback(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    user.command("/menu")
    [menu] = user.replies(with_buttons)
    user.press(menu, "Visa")
    form = user.replies(with_buttons, settle=1.0)
    question = next(m for m in form if button_titles(m))
    user.command("/reset")
    user.replies(count_at_least(1), settle=1.0)
    user.press(question, button_titles(question)[0])
    replies = user.replies(count_at_least(2), settle=1.5)
    assert replies[0]["text"] == text("button_expired", "id")
    assert "Paspor & konsuler" in button_titles(replies[-1])
    # The pressed menu button was marked as chosen in place.
    marked = next(m for m in user.bot_messages() if m["message_id"] == menu["message_id"])
    assert button_titles(marked) == ["✓ Visa"]


def test_group_members_each_have_their_own_form(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    first = telegram_api.user(language_code="en", chat_type="supergroup")
    second = telegram_api.user(language_code="en", chat_type="supergroup", chat_id=first.chat_id)
    mention = f"@{BOT_USERNAME}"
    entity = {"type": "mention", "offset": 0, "length": len(mention)}

    def say(member: TelegramUser, words: str) -> None:
        member.send(f"{mention} {words}", entities=[entity])

    say(first, "I need a visa")
    [asked] = first.replies(with_buttons, settle=1.0)
    second.seen = first.seen
    say(second, "Tourism")  # the other member's word is not an answer to the first one's form
    second.replies(count_at_least(1), settle=1.0)
    first.seen = second.seen
    first.press(asked, button_titles(asked)[0])  # the form goes on with the member who began it
    first.replies(count_at_least(1), settle=1.0)
    mine = running_stack.tracker(f"tg:{first.chat_id}:u{first.user_id}")
    theirs = running_stack.tracker(f"tg:{first.chat_id}:u{second.user_id}")
    said = [e["text"] for e in mine["events"] if e["event"] == "user"]
    assert said[0] == "I need a visa" and said[1].startswith("/inform"), said
    assert [e["text"] for e in theirs["events"] if e["event"] == "user"] == ["Tourism"]
    assert mine["slots"].get("visa_direction"), mine["slots"]
    assert not theirs["slots"].get("visa_direction"), theirs["slots"]
    assert asked.get("reply_parameters"), "in a group an answer replies to its question"


def test_in_a_group_only_a_mention_is_answered(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    member = telegram_api.user(language_code="id", chat_type="supergroup")
    member.send("Kapan ICDD diadakan?")
    member.nothing_for(3.0)
    mention = f"@{BOT_USERNAME}"
    entity = {"type": "mention", "offset": 0, "length": len(mention)}
    member.send(f"{mention} kapan ICDD diadakan?", entities=[entity])
    [answer] = member.replies(count_at_least(1), settle=1.0)
    assert "16 November 2021" in visible(answer)
    assert user_turns(running_stack, member) == ["kapan ICDD diadakan?"]


def test_a_burst_of_30_messages_gets_at_most_2_answers(
    running_stack: RunningStack, user: TelegramUser
) -> None:
    for n in range(30):
        user.send(f"halo {n}")
        time.sleep(0.1)
    # The backlog is answered once no message came for 3 s: wait well past that.
    replies = user.replies(count_at_least(1), timeout=120, settle=12.0)
    turns = user_turns(running_stack, user)
    assert 1 <= len(replies) <= 2, turns
    assert len(turns) == len(replies)
    assert turns[-1].splitlines()[-1] == "halo 29", "the backlog is answered, the latest last"


@pytest.fixture(scope="module")
def webhook_gateway(
    running_stack: RunningStack,
    telegram_api: TelegramTestApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, str, str]]:
    """A second gateway on the same Rasa: webhook mode, message parts of 200 characters."""
    token, secret, port = new_token(), secrets.token_urlsafe(16), free_port()
    config = dataclasses.replace(
        running_stack.config,
        gateway_port=port,
        log_dir=tmp_path_factory.mktemp("webhook-gateway"),
        extra_env=telegram_api.gateway_env(token)
        | {
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_MESSAGE_MAX_CHARS": str(PART_CHARS),
        },
    )
    stack = Stack(config)
    stack.start("gateway")
    try:
        stack.wait_healthy(timeout=180)
        _wait_for_log(config.log_dir / "gateway.log", "telegram webhook set", stack)
        yield stack, token, secret
    finally:
        stack.stop("gateway")


def _wait_for_log(path: Path, words: str, stack: Stack, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and words in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{words!r} not in the gateway log: {stack.log_tail('gateway')}")


def test_a_long_answer_is_split_in_parts_within_the_limit(
    running_stack: RunningStack,
    telegram_api: TelegramTestApi,
    webhook_gateway: tuple[Stack, str, str],
) -> None:
    _, token, _ = webhook_gateway
    question = "Kapan ICDD diadakan?"
    api_reply = running_stack.chat(f"split-{secrets.token_hex(4)}", question)
    [api_message] = api_reply.body["messages"]
    assert len(api_message["text"]) > PART_CHARS, "needs an answer longer than one part"

    user = telegram_api.user(token, language_code="id")
    user.send(question)
    parts = user.replies(lambda m: any("Sumber:" in visible(p) for p in m), settle=1.0)
    assert len(parts) >= 2
    shown = [visible(p) for p in parts]
    assert all(0 < len(s) <= PART_CHARS for s in shown)
    # Together the parts say exactly what the API answered, then the sources.
    assert (
        " ".join(shown).split()[: len(api_message["text"].split())] == api_message["text"].split()
    )
    for source in api_message["sources"]:
        assert source["title"][:40] in " ".join(shown)


def test_the_webhook_refuses_updates_without_telegrams_secret(
    webhook_gateway: tuple[Stack, str, str],
) -> None:
    stack, _, secret = webhook_gateway
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "hi",
              "chat": {"id": 1, "type": "private"}}}  # fmt: skip
    url = stack.config.gateway_url + WEBHOOK_PATH
    for headers, status in [({}, 401), ({"X-Telegram-Bot-Api-Secret-Token": "forged"}, 401),
                            ({"X-Telegram-Bot-Api-Secret-Token": secret}, 200)]:  # fmt: skip
        request = urllib.request.Request(
            url,
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == status
        except urllib.error.HTTPError as error:
            assert error.code == status


def test_an_edit_of_the_last_message_is_answered_once_as_a_correction(
    running_stack: RunningStack,
    telegram_api: TelegramTestApi,
    webhook_gateway: tuple[Stack, str, str],
) -> None:
    """Updates as Telegram sends them to a webhook: an edit keeps its message's id."""
    stack, token, secret = webhook_gateway
    user = telegram_api.user(token, language_code="id")
    chat = {"id": user.chat_id, "type": "private", "first_name": "Tester"}
    sent_at = int(time.time())

    def post(kind: str, message_id: int, words: str, edited: bool = False) -> None:
        message = {"message_id": message_id, "date": sent_at, "chat": chat,
                   "from": user.sender, "text": words}  # fmt: skip
        if edited:
            message["edit_date"] = sent_at + 5
        update = {"update_id": secrets.randbelow(10**9), kind: message}
        request = urllib.request.Request(
            stack.config.gateway_url + WEBHOOK_PATH,
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200

    post("message", 501, "Kapan ICDD diadakan?")
    user.replies(count_at_least(1), settle=1.0)
    post("message", 502, "Di mana ICDD diadakan?")
    user.replies(count_at_least(1), settle=1.0)
    post("edited_message", 501, "Kapan RCDD diadakan?", edited=True)  # older: no answer
    user.nothing_for(2.0)
    post("edited_message", 502, "Di mana RCDD diadakan?", edited=True)  # the last: a correction
    answer = user.replies(count_at_least(1), settle=2.0)[0]
    assert user_turns(running_stack, user) == [
        "Kapan ICDD diadakan?", "Di mana ICDD diadakan?", "Di mana RCDD diadakan?"
    ]  # fmt: skip
    assert answer["text"]


def test_rasa_down_gets_an_apology_then_answers_resume(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    english = telegram_api.user(language_code="en")
    indonesian = telegram_api.user(language_code="id")
    running_stack.stack.stop("rasa")
    try:
        english.send("When was ICDD held?")
        indonesian.send("Kapan ICDD diadakan?")
        [apology_en] = english.replies(count_at_least(1), settle=1.0)
        [apology_id] = indonesian.replies(count_at_least(1), settle=1.0)
    finally:
        # Whatever happened, later tests (and modules) find the stack whole.
        running_stack.stack.start("rasa")
        running_stack.stack.wait_healthy()
    assert apology_en["text"] == text("upstream_unavailable", "en")
    assert apology_id["text"] == text("upstream_unavailable", "id")

    indonesian.send("Kapan ICDD diadakan?")
    [answer] = indonesian.replies(count_at_least(1), settle=1.0)
    assert "16 November 2021" in visible(answer)

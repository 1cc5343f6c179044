"""The console's test chat (admin/console/try_chat.py, try_routes.py): the path and reasons read
from real Rasa outputs and trackers (tests/data/console_try_turns.json, recorded from the real
stack: one conversation per case, through the gateway's Rasa channel), and the page and its API
on a real gateway app whose Rasa is a stand-in serving those recordings over HTTP (the real
RasaClient, its token, the tracker through Rasa's HTTP API)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from admin.console import CONSOLE_STORE, record_unanswered, try_routes
from admin.console.desk import KnowledgeDesk
from admin.console.routes import DESK
from admin.console.store import ConsoleStore
from admin.console.try_chat import (
    IDLE_SECONDS,
    SENDER_PREFIX,
    TryChats,
    explain,
    last_turn,
)
from admin.console.try_chat import (
    KNOWLEDGE_ACTION as KNOWLEDGE,
)
from admin.console.try_routes import TRY_CHATS
from bot.app import create_app
from bot.render import render_rasa_output
from knowledge.faq import load_faq
from knowledge.paths import CONTENT_DIR

from .test_console_web import PASSWORD, console_app, csrf_of, login
from .test_gateway_support import settings_for

TURNS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "console_try_turns.json").read_text(encoding="utf-8")
)
FAQ_IDS = {entry.faq_id for entry in load_faq(CONTENT_DIR / "faq")}
RASA_TOKEN = "rasa-token-for-the-test"


def path_of(case: str, language: str = "en") -> Any:
    recorded = TURNS[case]
    reply = render_rasa_output(recorded["output"], recorded["lang"])
    return explain(recorded["tracker"], reply, FAQ_IDS, language)  # type: ignore[arg-type]


# --- the path and why, from real trackers ----------------------------------------------------


@pytest.mark.parametrize(
    ("case", "kind", "flow", "record"),
    [
        ("faq_entry", "entry", None, "dd-diplomacy-4-0"),
        ("document", "document", None, "000_a9208476c9cabbbe"),
        ("visa_form", "flow", "visa_form", None),
        ("visa_form_answer", "flow", "visa_form", None),
        ("visa_form_put_aside", "entry", None, "dd-diplomacy-4-0"),
        ("entry_before_visa_form", "entry", "visa_form", "visa-evoa-fee"),
        ("entry_before_handoff", "entry", "handoff", "duta-where-to-ask"),
        ("events_list", "flow", "events", None),
        ("events_nothing_upcoming", "flow", "events", None),
        ("emergency", "flow", "emergency", None),
        ("mission_card", "flow", "mission_card", None),
        ("menu", "flow", "menu", None),
        ("greeting", "flow", "fixed_reply", None),
        ("no_answer_with_card", "fallback", None, None),
        ("out_of_scope", "fallback", None, None),
        ("no_answer", "fallback", None, None),
        ("not_recognised_no_answer", "fallback", None, None),
    ],
)
def test_every_recorded_turn_gets_its_path(
    case: str, kind: str, flow: str | None, record: str | None
) -> None:
    path = path_of(case)
    assert (path.kind, path.flow, path.record) == (kind, flow, record), path
    assert path.headline and path.reasons
    # Indonesian too, every reason a sentence of its own.
    indonesian = path_of(case, "id")
    assert len(indonesian.reasons) == len(path.reasons)
    assert indonesian.headline != path.headline or kind == "entry"


def test_a_faq_answer_names_the_entry_its_score_and_the_answer_bar() -> None:
    path = path_of("faq_entry")
    assert path.headline == "FAQ entry dd-diplomacy-4-0"
    assert path.intent == "ask_question" and path.confidence == pytest.approx(1.0508)
    assert path.reasons[0] == "The question was recognised as a general question (100 %)."
    assert "score of 1.0508" in path.reasons[1] and "0.948 (the answer bar)" in path.reasons[1]
    assert path.to_json()["answer_bar"] == 0.948
    indonesian = path_of("faq_entry", "id")
    assert indonesian.headline == "Entri FAQ dd-diplomacy-4-0"
    assert "skor 1,0508" in indonesian.reasons[1] and "0,948" in indonesian.reasons[1]


def test_a_document_answer_is_named_by_its_title() -> None:
    path = path_of("document")
    assert path.title and path.title.startswith("Diplomasi Digital: Lebih Jauh")
    assert path.headline == f"Document “{path.title}”"


def test_the_visa_form_says_why_it_and_not_an_entry_answered() -> None:
    path = path_of("visa_form")
    assert path.headline == "Flow: the visa form"
    assert path.actions[:2] == ["action_visa_entry", "visa_form"]
    assert path.reasons == [
        "The question was recognised as a visa question (99 %).",
        "The visa form answered because no FAQ entry answered this question clearly.",
        "The visa form first asks what it needs to know (a foreigner coming to Indonesia or an "
        "Indonesian going abroad) before answering.",
    ]
    # The second turn: a button of the form's question; the form had all it needed.
    answer = path_of("visa_form_answer")
    assert answer.reasons[0].startswith("The message was a button")
    assert "gave the answer for that case" in answer.reasons[1]


def test_an_entry_that_answers_clearly_beats_the_flow_the_nlu_picked() -> None:
    path = path_of("entry_before_visa_form")
    assert path.intent == "ask_visa"
    assert path.reasons[-1] == (
        "A FAQ entry answered the question itself clearly, so Duta gave it instead of the visa "
        "form: an entry comes before a flow when it answers clearly."
    )
    handoff = path_of("entry_before_handoff", "id")
    assert "bukan handoff" in handoff.reasons[-1]


def test_no_answer_says_why_and_that_a_user_would_be_queued() -> None:
    declined = path_of("no_answer_with_card")
    assert declined.headline == "No answer (fallback)"
    assert declined.reasons[0] == "The question was recognised as a passport question (74 %)."
    assert "matched well enough" in declined.reasons[1]
    assert "offered as buttons" in declined.reasons[2]
    assert "card of the mission" in declined.reasons[3]
    assert "join the unanswered queue" in declined.reasons[-1]
    outside = path_of("out_of_scope")
    assert "outside Duta's topics" in outside.reasons[1]
    unclear = path_of("not_recognised_no_answer")
    assert unclear.reasons[0].startswith("The question was not recognised clearly (best guess:")


def test_a_form_put_aside_and_a_flow_with_nothing_on_record() -> None:
    assert "put aside" in path_of("visa_form_put_aside").reasons[-1]
    nothing = path_of("events_nothing_upcoming").reasons
    assert "nothing on record" in nothing[-2] and "unanswered queue" in nothing[-1]


def test_no_reply_at_all_and_a_low_confidence_answer() -> None:
    recorded = TURNS["faq_entry"]
    # Rasa answers an empty list when an action failed: the tracker has no action after the user.
    events = last_turn(recorded["tracker"])[:1]
    path = explain({"events": events}, render_rasa_output([], "en"), FAQ_IDS, "en")
    assert path.kind == "fallback" and "action server" in path.reasons[-2]
    output = json.loads(json.dumps(recorded["output"]).replace("1.0508", "0.96"))
    low = explain(recorded["tracker"], render_rasa_output(output, "id"), FAQ_IDS, "en")
    assert "Below 0.994" in low.reasons[-1]


def test_a_short_follow_up_may_lean_on_the_earlier_questions() -> None:
    recorded = TURNS["faq_entry"]
    reply = render_rasa_output(recorded["output"], "id")
    alone = explain(recorded["tracker"], reply, FAQ_IDS, "en")
    after = explain(recorded["tracker"], reply, FAQ_IDS, "en", follow_up=True)
    assert after.reasons[: len(alone.reasons)] == alone.reasons
    assert "earlier questions of this test chat may have counted" in after.reasons[-1]
    # The menu's action answers a follow-up the NLU took for a request for help.
    helped = json.loads(json.dumps(recorded["tracker"]).replace(KNOWLEDGE, "action_help"))
    path = explain(helped, reply, FAQ_IDS, "en", follow_up=True)
    assert path.kind == "entry" and "taken for a request for the menu" in path.reasons[-1]
    menu = json.loads(json.dumps(TURNS["menu"]["tracker"]).replace("utter_help", "action_help"))
    plain = render_rasa_output(TURNS["menu"]["output"], "en")
    assert explain(menu, plain, FAQ_IDS, "en").headline == "Flow: the menu"


def test_a_turn_keeps_only_its_own_events() -> None:
    tracker = TURNS["visa_form_answer"]["tracker"]
    events = last_turn(tracker)
    assert events[0]["event"] == "user" and sum(e["event"] == "user" for e in events) == 1
    assert len(events) < len(tracker["events"])


def test_idle_test_chats_are_taken_out() -> None:
    chats = TryChats()
    old, fresh = chats.open("a"), chats.open("b")
    old.used -= IDLE_SECONDS + 1
    assert chats.idle() == [old] and chats.get("b") is fresh
    assert fresh.sender.startswith(SENDER_PREFIX) and old.sender != fresh.sender


# --- the page and its API on a real gateway app ----------------------------------------------


class RecordedRasa:
    """Rasa as the gateway sees it, over HTTP: its channel answers with the recorded output of
    the conversation so far, its HTTP API gives the recorded tracker (token required)."""

    def __init__(self) -> None:
        self.by_messages = {tuple(c["messages"]): c for c in TURNS.values()}
        self.history: dict[str, list[str]] = {}
        self.case: dict[str, dict[str, Any]] = {}
        self.received: list[dict[str, Any]] = []
        self.forgotten: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/duta/webhook", self.webhook)
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        app.router.add_delete("/webhooks/duta/conversations/{sender}", self.forget)
        return app

    async def webhook(self, request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == f"Bearer {RASA_TOKEN}"
        body = await request.json()
        self.received.append(body)
        history = self.history.setdefault(body["sender"], [])
        history.append(body["message"])
        case = self.by_messages.get(tuple(history)) or self.by_messages[(body["message"],)]
        self.case[body["sender"]] = case
        return web.json_response(case["output"])

    async def tracker(self, request: web.Request) -> web.Response:
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({"status": "failure"}, status=401)
        return web.json_response(self.case[request.match_info["sender"]]["tracker"])

    async def forget(self, request: web.Request) -> web.Response:
        sender = request.match_info["sender"]
        self.forgotten.append(sender)
        self.history.pop(sender, None)
        return web.json_response({"forgotten": True})


class NoModelDesk(KnowledgeDesk):
    """The real FAQ entries, no embedding model (a login warms one up)."""

    def __init__(self) -> None:
        super().__init__(embedder=self._no_model)

    @staticmethod
    def _no_model() -> Any:
        raise OSError("no model in unit tests")


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[RecordedRasa, str]]:
    recorded = RecordedRasa()
    server = TestServer(recorded.app())
    await server.start_server()
    try:
        yield recorded, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def client(tmp_path: Path, rasa: tuple[RecordedRasa, str]) -> AsyncIterator[TestClient]:
    db = tmp_path / "console.db"
    store = ConsoleStore(db)
    store.add_user("editor1", "editor", PASSWORD)
    store.add_user("viewer1", "viewer", PASSWORD)
    settings = settings_for(DUTA_CONSOLE_DB=str(db), RASA_URL=rasa[1], RASA_TOKEN=RASA_TOKEN)
    app = create_app(settings)
    console_app(app)[DESK] = NoModelDesk()
    async with TestClient(TestServer(app)) as client:
        yield client


def _hidden_csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def test_a_viewer_asks_and_sees_the_reply_and_its_path(
    client: TestClient, rasa: tuple[RecordedRasa, str]
) -> None:
    recorded, _ = rasa
    await login(client, "viewer1")
    headers = {"X-CSRF-Token": await csrf_of(client)}
    asked = await client.post(
        "/admin/api/try?lang=en", json={"message": "Apa itu Diplomasi 4.0?"}, headers=headers
    )
    assert asked.status == 200, await asked.text()
    body = await asked.json()
    assert body["path"]["kind"] == "entry" and body["path"]["record"] == "dd-diplomacy-4-0"
    assert body["path"]["headline"] == "FAQ entry dd-diplomacy-4-0"
    source = body["reply"]["messages"][0]["sources"][0]
    assert source["title"] and source["accessed"] == "2026-12-06"  # an undated page: when read
    # Only what a user's reply carries: no confidence or record in the reply itself.
    assert "confidence" not in body["reply"] and "answer_id" not in body["reply"]
    # As the widget sends it, in a conversation of the console's own.
    sent = recorded.received[0]
    assert sent["sender"].startswith(SENDER_PREFIX)
    assert sent["metadata"] == {"channel": "api", "language": None}

    # Asked again in the same test chat: a short message may lean on the earlier ones.
    again = await client.post(
        "/admin/api/try?lang=en", json={"message": "Apa itu Diplomasi 4.0?"}, headers=headers
    )
    assert "earlier questions of this test chat" in (await again.json())["path"]["reasons"][-1]
    assert "earlier questions" not in " ".join(body["path"]["reasons"])

    page = await client.get("/admin/try?lang=id")
    html = await page.text()
    assert page.status == 200 and "Coba obrolan" in html
    assert "Entri FAQ dd-diplomacy-4-0" in html and 'data-kind="entry"' in html
    assert "Menurut UNITAR" in html  # the reply as users see it
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]


async def test_the_page_form_a_button_and_a_new_test_chat(
    client: TestClient, rasa: tuple[RecordedRasa, str]
) -> None:
    recorded, _ = rasa
    await login(client, "editor1")
    page = await client.get("/admin/try?lang=en&q=I+need+a+visa&chat_lang=en")
    html = await page.text()
    assert 'value="I need a visa"' in html and '<option value="en" selected>' in html
    csrf = _hidden_csrf(html)
    form = {"csrf": csrf, "message": "I need a visa", "chat_lang": "en"}
    sent = await client.post("/admin/try", data=form, allow_redirects=False)
    assert sent.status == 303 and sent.headers["Location"] == "/admin/try?chat_lang=en#latest"
    html = await (await client.get("/admin/try?lang=en")).text()
    assert "Flow: the visa form" in html and 'data-flow="visa_form"' in html
    assert 'name="payload" value="/inform{&#34;visa_direction&#34;: &#34;abroad&#34;}"' in html
    # The form's button, pressed: the same conversation goes on; the page shows its title.
    button = {"csrf": csrf, "payload": '/inform{"visa_direction": "abroad"}', "message": ""}
    await client.post("/admin/try", data=button)
    senders = {body["sender"] for body in recorded.received}
    assert len(senders) == 1 and len(recorded.received) == 2
    html = await (await client.get("/admin/try?lang=en")).text()
    assert html.count('class="card turn"') == 2 and "Indonesian going abroad</span>" in html
    assert "gave the answer for that case" in html
    # A new test chat erases the conversation.
    new = await client.post("/admin/try/new", data={"csrf": csrf}, allow_redirects=False)
    assert new.status == 303 and recorded.forgotten == list(senders)
    html = await (await client.get("/admin/try?lang=en")).text()
    assert 'class="card turn"' not in html and 'id="try-empty"' in html


async def test_logout_erases_the_test_chat(
    client: TestClient, rasa: tuple[RecordedRasa, str]
) -> None:
    recorded, _ = rasa
    await login(client, "viewer1")
    csrf = await csrf_of(client)
    await client.post("/admin/api/try", json={"message": "menu"}, headers={"X-CSRF-Token": csrf})
    [body] = recorded.received
    assert recorded.forgotten == []
    await client.post("/admin/logout", data={"csrf": csrf}, allow_redirects=False)
    assert recorded.forgotten == [body["sender"]]


async def test_what_is_left_is_erased_when_the_gateway_stops(
    tmp_path: Path, rasa: tuple[RecordedRasa, str]
) -> None:
    recorded, url = rasa
    db = tmp_path / "console.db"
    ConsoleStore(db).add_user("viewer1", "viewer", PASSWORD)
    app = create_app(settings_for(DUTA_CONSOLE_DB=str(db), RASA_URL=url, RASA_TOKEN=RASA_TOKEN))
    console_app(app)[DESK] = NoModelDesk()
    async with TestClient(TestServer(app)) as client:
        await login(client, "viewer1")
        headers = {"X-CSRF-Token": await csrf_of(client)}
        await client.post("/admin/api/try", json={"message": "halo"}, headers=headers)
        assert recorded.forgotten == []
    assert recorded.forgotten == [recorded.received[0]["sender"]]


async def test_a_test_chat_unused_for_an_hour_is_erased(
    client: TestClient, rasa: tuple[RecordedRasa, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded, _ = rasa
    await login(client, "viewer1")
    headers = {"X-CSRF-Token": await csrf_of(client)}
    await client.post("/admin/api/try", json={"message": "halo"}, headers=headers)
    chats = console_app(client.app)[TRY_CHATS]
    [chat] = chats.all()
    chats._by_session["idle"] = chat
    chat.used -= IDLE_SECONDS + 1
    # The sweeper's next round (every SWEEP_SECONDS) finds it: started again with a short wait.
    assert chats.sweeper is not None
    chats.sweeper.cancel()
    monkeypatch.setattr(try_routes, "SWEEP_SECONDS", 0.01)
    chats.sweeper = asyncio.create_task(try_routes._sweep(chats))
    for _ in range(100):
        if recorded.forgotten:
            break
        await asyncio.sleep(0.02)
    assert recorded.forgotten == [chat.sender] and chats.get("idle") is None


async def test_nothing_is_recorded_in_the_queue_or_the_ratings(
    client: TestClient, tmp_path: Path
) -> None:
    await login(client, "viewer1")
    headers = {"X-CSRF-Token": await csrf_of(client)}
    # A fallback (would be queued), a low-confidence answer and an answer (would be kept to rate).
    kinds = []
    for message in ("How many diplomats work at Kemlu?", "Apa itu Diplomasi 4.0?"):
        asked = await client.post("/admin/api/try", json={"message": message}, headers=headers)
        assert asked.status == 200
        kinds.append((await asked.json())["path"]["kind"])
    assert kinds == ["fallback", "entry"]
    assert client.app[CONSOLE_STORE].open_unanswered() == []
    with sqlite3.connect(tmp_path / "console.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        kept = (
            db.execute("SELECT count(*) FROM answers").fetchone()[0] if "answers" in tables else 0
        )
    assert kept == 0


async def test_an_empty_or_too_long_question_is_refused(client: TestClient) -> None:
    await login(client, "viewer1")
    headers = {"X-CSRF-Token": await csrf_of(client)}
    empty = await client.post("/admin/api/try", json={"message": "  "}, headers=headers)
    assert empty.status == 400 and (await empty.json())["error"]["code"] == "empty"
    long = await client.post("/admin/api/try", json={"message": "x" * 1001}, headers=headers)
    assert long.status == 413
    assert (await client.post("/admin/api/try", json=[], headers=headers)).status == 400
    form = {"csrf": headers["X-CSRF-Token"], "message": ""}
    await client.post("/admin/try", data=form, allow_redirects=False)
    html = await (await client.get("/admin/try?lang=en")).text()
    assert 'id="try-error"' in html and "Type a question." in html
    html = await (await client.get("/admin/try?lang=en")).text()
    assert 'id="try-error"' not in html  # said once


async def test_rasa_down_is_a_503_with_no_text_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "console.db"
    ConsoleStore(db).add_user("viewer1", "viewer", PASSWORD)
    app = create_app(settings_for(DUTA_CONSOLE_DB=str(db)))  # Rasa is down
    console_app(app)[DESK] = NoModelDesk()
    async with TestClient(TestServer(app)) as client:
        await login(client, "viewer1")
        headers = {"X-CSRF-Token": await csrf_of(client)}
        secret = "Nama saya Budi Santoso, berapa biaya visa?"
        down = await client.post("/admin/api/try", json={"message": secret}, headers=headers)
        assert down.status == 503 and (await down.json())["error"]["code"] == "upstream"
    assert "Budi" not in caplog.text


async def test_the_page_and_its_api_refuse_without_a_session_or_csrf(client: TestClient) -> None:
    assert (await client.get("/admin/try", allow_redirects=False)).status == 303
    for path in ("/admin/api/try", "/admin/api/try/new"):
        assert (await client.post(path, json={"message": "halo"})).status == 401
    for path in ("/admin/try", "/admin/try/new"):
        refused = await client.post(path, data={"csrf": "x"}, allow_redirects=False)
        assert refused.status == 303 and refused.headers["Location"] == "/admin/login"
    await login(client, "viewer1")
    for path in ("/admin/api/try", "/admin/api/try/new"):
        assert (await client.post(path, json={"message": "halo"})).status == 403
        forged = {"X-CSRF-Token": "forged"}
        assert (await client.post(path, json={"message": "halo"}, headers=forged)).status == 403
    for path in ("/admin/try", "/admin/try/new"):
        assert (await client.post(path, data={"message": "halo"})).status == 403


async def test_links_to_the_test_chat(client: TestClient) -> None:
    await login(client, "editor1")
    faq = await (await client.get("/admin/faq?q=dd-diplomacy-4-0&lang=en")).text()
    assert 'href="/admin/try?q=What%20is%20Diplomacy%204.0%3F&amp;chat_lang=en"' in faq
    assert 'href="/admin/try">Test chat</a>' in faq  # the navigation
    edit = await (await client.get("/admin/faq/edit?id=dd-diplomacy-4-0&lang=en")).text()
    assert 'class="try" lang="id" href="/admin/try?q=Apa%20itu%20Diplomasi%204.0%3F' in edit
    await record_unanswered(client.app, "api", "en", "Is the museum open on Sunday?")
    queue = await (await client.get("/admin/unanswered?lang=en")).text()
    assert 'href="/admin/try?q=Is%20the%20museum%20open%20on%20Sunday%3F">Try it</a>' in queue

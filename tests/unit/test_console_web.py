"""The console's routes on a real gateway app (aiohttp test server): nothing without a session,
CSRF on every POST, cookies, roles, and the unanswered queue fed by /api/chat's fallbacks.
The knowledge side (checks, publish) is a stand-in here; the integration tests use the real one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from admin.console import CONSOLE_STORE, record_unanswered
from admin.console.desk import KnowledgeDesk, Outcome
from admin.console.routes import DESK
from admin.console.store import ConsoleStore
from bot.app import create_app

from .test_gateway_support import running_gateway, settings_for

PASSWORD = "a long enough password"


class StandInDesk(KnowledgeDesk):
    def __init__(self) -> None:
        super().__init__(embedder=self._no_model)
        self.published: list[tuple[dict[str, Any], str]] = []

    @staticmethod
    def _no_model() -> Any:
        raise OSError("no model in unit tests")

    def check(
        self, raw: dict[str, Any], allow_similar: bool, replacing: str | None = None
    ) -> Outcome:
        if not raw["answers"]["en"]:
            return Outcome(errors=["console: missing the English version (answers.en)"])
        return Outcome(faq_id=raw["id"])

    def publish(self, raw: dict[str, Any], allow_similar: bool, by: str) -> Outcome:
        outcome = self.check(raw, allow_similar)
        if outcome.ok:
            self.published.append((raw, by))
            outcome.published = outcome.live = True
            outcome.change = ("staff.yml", "", f"- id: {raw['id']}\n")
        return outcome


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    db = tmp_path / "console.db"
    store = ConsoleStore(db)
    store.add_user("editor1", "editor", PASSWORD)
    store.add_user("viewer1", "viewer", PASSWORD)
    app = create_app(settings_for(DUTA_CONSOLE_DB=str(db)))
    console_app(app)[DESK] = StandInDesk()
    async with TestClient(TestServer(app)) as client:
        yield client


def console_app(app: web.Application) -> web.Application:
    return next(sub for sub in app._subapps if DESK in sub)  # the mounted console


def _hidden_csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


async def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = await client.get("/admin/login")
    form = {"csrf": _hidden_csrf(await page.text()), "name": name, "password": password}
    return await client.post("/admin/login", data=form, allow_redirects=False)


async def csrf_of(client: TestClient) -> str:
    me = await client.get("/admin/api/me")
    assert me.status == 200
    return (await me.json())["csrf"]


PAGES = [
    "/admin", "/admin/", "/admin/unanswered", "/admin/answer?ids=1", "/admin/history",
    "/admin/faq", "/admin/faq/edit?id=dd-diplomacy-4-0", "/admin/faq/sheet",
    "/admin/faq/export.csv", "/admin/faq/export.xlsx", "/admin/faq/history?id=dd-diplomacy-4-0",
    "/admin/try", "/admin/try?q=halo",
]  # fmt: skip
APIS = [
    ("GET", "/admin/api/me"),
    ("GET", "/admin/api/unanswered"),
    ("POST", "/admin/api/faq/check"),
    ("POST", "/admin/api/faq/publish"),
    ("GET", "/admin/api/faq"),
    ("POST", "/admin/api/faq/retire"),
    ("GET", "/admin/api/changes"),
    ("POST", "/admin/api/changes/undo"),
    ("POST", "/admin/api/faq/import"),
    ("GET", "/admin/api/faq/history?id=dd-diplomacy-4-0"),
    ("POST", "/admin/api/faq/revert"),
    ("GET", "/admin/api/versions"),
    ("POST", "/admin/api/try"),
    ("POST", "/admin/api/try/new"),
]
# The pages' form posts (the login form aside).
FORM_POSTS = [
    "/admin/answer", "/admin/logout", "/admin/faq/retire", "/admin/changes/undo",
    "/admin/faq/import", "/admin/faq/revert", "/admin/try", "/admin/try/new",
]  # fmt: skip


async def test_nothing_without_a_session(client: TestClient) -> None:
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status in (302, 303), path
        assert response.headers["Location"].startswith("/admin"), path
    for method, path in APIS:
        response = await client.request(method, path, json={}, allow_redirects=False)
        assert response.status == 401, (method, path)
    for path in FORM_POSTS:
        response = await client.post(path, data={"csrf": "x"}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/admin/login"


async def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(client: TestClient) -> None:
    response = await login(client, "editor1")
    assert response.status == 303
    cookie = response.cookies["duta_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/admin/"
    assert not cookie["secure"]  # plain http in this test; https sets it
    csrf = await csrf_of(client)
    assert (
        await client.post("/admin/logout", data={"csrf": csrf}, allow_redirects=False)
    ).status == 303
    assert (await client.get("/admin/api/me")).status == 401


async def test_secure_cookie_behind_an_https_proxy(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    ConsoleStore(db).add_user("editor1", "editor", PASSWORD)
    async with running_gateway(DUTA_CONSOLE_DB=str(db), TRUST_PROXY="1") as client:
        page = await client.get("/admin/login", headers={"X-Forwarded-Proto": "https"})
        assert page.cookies["duta_console_login"]["secure"]


async def test_login_refuses_a_wrong_password_and_a_form_without_csrf(client: TestClient) -> None:
    assert (await login(client, "editor1", "wrong password")).status == 401
    response = await client.post(
        "/admin/login", data={"name": "editor1", "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 401 and "duta_console" not in response.cookies


async def test_lockout_through_the_login_form(client: TestClient) -> None:
    for _ in range(5):
        await login(client, "viewer1", "wrong password")
    response = await login(client, "viewer1")
    assert response.status == 401
    assert "15" in await response.text()  # "locked for 15 minutes"


async def test_login_attempts_are_limited_per_address(client: TestClient) -> None:
    for n in range(10):
        await login(client, f"nobody{n}", "wrong password")
    response = await login(client, "editor1")  # the right password, but too many tries
    assert response.status == 401 and "duta_console" not in response.cookies


async def test_posts_without_the_csrf_token_fail(client: TestClient) -> None:
    await login(client, "editor1")
    entry = {"faq_id": "x-y", "answer_en": "An answer."}
    assert (await client.post("/admin/api/faq/publish", json=entry)).status == 403
    bad = {"X-CSRF-Token": "not-the-token"}
    assert (await client.post("/admin/api/faq/publish", json=entry, headers=bad)).status == 403
    assert (await client.post("/admin/answer", data={"action": "publish"})).status == 403
    good = {"X-CSRF-Token": await csrf_of(client)}
    response = await client.post("/admin/api/faq/publish", json=entry, headers=good)
    assert response.status == 200, await response.text()


async def test_a_viewer_cannot_publish(client: TestClient) -> None:
    await login(client, "viewer1")
    headers = {"X-CSRF-Token": await csrf_of(client)}
    entry = {"faq_id": "x-y", "answer_en": "An answer."}
    assert (await client.post("/admin/api/faq/publish", json=entry, headers=headers)).status == 403
    assert (await client.get("/admin/answer?ids=1")).status == 403
    form = {"csrf": headers["X-CSRF-Token"], "action": "publish", "faq_id": "x-y"}
    assert (await client.post("/admin/answer", data=form)).status == 403
    assert (await client.get("/admin/unanswered")).status == 200
    retire = await client.post("/admin/api/faq/retire", json={"faq_id": "x-y"}, headers=headers)
    assert retire.status == 403
    undo = await client.post("/admin/api/changes/undo", json={"change_id": 1}, headers=headers)
    assert undo.status == 403
    assert (await client.get("/admin/faq/edit?id=dd-diplomacy-4-0")).status == 403


async def test_editor_answers_a_group_from_the_queue(client: TestClient) -> None:
    app = client.app
    for text in ("Apakah museum Kemlu buka hari Minggu?", "Apakah museum Kemlu buka hari Minggu?"):
        await record_unanswered(app, "api", "id", text)
    await record_unanswered(app, "api", "en", "My name is John Smith, is the museum open?")
    await record_unanswered(app, "api", "en", "/ask_visa")  # a button, not a question
    await login(client, "editor1")
    page = await (await client.get("/admin/unanswered?lang=en")).text()
    assert "asked 2 times" in page and "My name is [NAME]" in page and "John" not in page
    groups = (await (await client.get("/admin/api/unanswered")).json())["groups"]
    assert [g["size"] for g in groups] == [2, 1]
    key = groups[0]["key"]
    form_page = await (await client.get(f"/admin/answer?ids={key}")).text()
    assert "Apakah museum Kemlu buka hari Minggu?" in form_page
    form = {
        "csrf": await csrf_of(client), "ids": key, "action": "publish", "faq_id": "museum-hours",
        "questions_id": "Apakah museum Kemlu buka hari Minggu?", "questions_en": "Is it open?",
        "answer_id": "Ya.", "answer_en": "Yes.", "source_title": "Kemlu",
    }  # fmt: skip
    done = await client.post("/admin/answer", data=form)
    assert done.status == 200 and "museum-hours" in await done.text()
    desk = console_app(app)[DESK]
    assert isinstance(desk, StandInDesk)
    assert desk.published[0][1] == "editor1"
    left = app[CONSOLE_STORE].open_unanswered()
    assert [i.text for i in left] == ["My name is [NAME], is the museum open?"]
    history = await (await client.get("/admin/history")).text()
    assert "museum-hours" in history and "editor1" in history


async def test_check_shows_every_problem_without_saving(client: TestClient) -> None:
    await login(client, "editor1")
    form = {"csrf": await csrf_of(client), "action": "check", "faq_id": "x-y", "answer_en": ""}
    response = await client.post("/admin/answer?lang=en", data=form)
    assert response.status == 422
    assert "missing the English version" in await response.text()


async def test_pages_in_both_languages_with_a_nonce_csp(client: TestClient) -> None:
    english = await client.get("/admin/login?lang=en&x=1")
    assert "Log in" in await english.text()
    assert 'href="/admin/login?lang=id&amp;x=1"' in await english.text()  # the query stays
    csp = english.headers["Content-Security-Policy"]
    assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp
    # With no-referrer Chromium posts the forms with Origin: null, which the gateway refuses.
    assert english.headers["Referrer-Policy"] == "same-origin"
    indonesian = await client.get("/admin/login?lang=id")
    assert "Masuk" in await indonesian.text()
    # The choice is remembered (a cookie); without one the browser's language decides.
    assert "Masuk" in await (await client.get("/admin/login")).text()
    client.session.cookie_jar.clear()
    english = await client.get("/admin/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Log in" in await english.text()

"""The staff console on the real session stack (issue 22): accounts made with the real CLI, the
gateway's /admin/ routes over HTTP, and in Chromium the whole loop: a question the widget cannot
answer appears in the console's queue, an editor logs in, writes the answer and publishes it,
and the same widget answers it with the new source, with no restart; undone from the history
page, the widget falls back again and a retrain does not bring the entry back.

The stack serves a private copy of knowledge/ and the index (knowledge_copy.py); the test puts
both back as they were when it ends, so later tests see the knowledge they expect."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actions.texts import say
from admin.console.forms import edit_form
from knowledge.store import current_version
from tests.unit.test_console_web import APIS, FORM_POSTS, PAGES

from .conftest import RunningStack
from .test_widget_support import ARTIFACTS, Widget, chromium

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MARKER = "DUTA-CONSOLE-TEST"
# Several per language: which of them the NLU lets reach the knowledge layer (rather than out of
# scope or small talk) moves with each retrained model; the test takes the first that does.
PHRASINGS = {
    "id": [
        "Apakah perpustakaan Kemlu terbuka untuk umum?",
        "Bisakah masyarakat umum memakai perpustakaan Kemlu?",
        "Perpustakaan Kemlu buka untuk umum atau tidak?",
        "Perpustakaan Kemlu ada di mana dan bisa didatangi umum?",
    ],
    "en": [
        "Is the Kemlu library open to the public?",
        "Can the public use the foreign ministry library?",
        "Is the library of Kemlu open for the public?",
    ],
}
ANSWERS = {
    "id": f"Perpustakaan Kemlu terbuka untuk umum pada hari kerja dengan KTP ({MARKER}).",
    "en": f"The Kemlu library is open to the public on working days with an ID card ({MARKER}).",
}
SOURCE_TITLE = "Perpustakaan Kemlu (console test entry)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class ConsoleClient:
    """A browser-like HTTP client: a cookie jar, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data, sent = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=sent, method=method)
        try:
            with self.opener.open(request, timeout=300) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())

    def login(self, name: str, password: str) -> Answer:
        page = self.request("GET", "/admin/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.body)
        assert csrf, page.body
        form = {"csrf": csrf.group(1), "name": name, "password": password}
        return self.request("POST", "/admin/login", form=form)

    def csrf(self) -> str:
        me = self.request("GET", "/admin/api/me")
        assert me.status == 200, me
        return me.json()["csrf"]


@dataclass
class Accounts:
    db: Path
    passwords: dict[str, str]


def add_account(db: Path, name: str, role: str) -> str:
    password = secrets.token_urlsafe(18)
    result = subprocess.run(
        [sys.executable, "-m", "admin", "users", "add", name, "--role", role],
        cwd=ROOT,
        env={**os.environ, "DUTA_CONSOLE_DB": str(db)},
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout + result.stderr
    return password


@pytest.fixture(scope="module")
def accounts(running_stack: RunningStack) -> Accounts:
    db = running_stack.config.tracker_db.parent / "console.db"
    names = {"console-editor": "editor", "console-viewer": "viewer", "console-locked": "viewer"}
    return Accounts(db, {name: add_account(db, name, role) for name, role in names.items()})


@pytest.fixture
def client(running_stack: RunningStack) -> ConsoleClient:
    return ConsoleClient(running_stack.config.gateway_url)


def test_nothing_answers_without_a_session(client: ConsoleClient, accounts: Accounts) -> None:
    for path in PAGES:
        answer = client.request("GET", path)
        assert answer.status in (302, 303), (path, answer.status)
        assert answer.headers["Location"].startswith("/admin"), path
    for method, path in APIS:
        assert client.request(method, path, body={}).status == 401, (method, path)
    for path in FORM_POSTS:
        forged = client.request("POST", path, form={"csrf": "x", "action": "publish"})
        assert forged.status == 303 and forged.headers["Location"] == "/admin/login", path


def test_console_requests_get_their_access_line_without_an_error(
    client: ConsoleClient, running_stack: RunningStack
) -> None:
    """The console is a sub-application: its requests are logged like the rest (hashed client),
    not with a logging traceback (the pseudonymizer lives in the main application)."""
    log = running_stack.config.log_dir / "gateway.log"
    before = len(log.read_text(errors="replace").splitlines())
    assert client.request("GET", "/admin/unanswered").status in (302, 303)
    time.sleep(0.5)
    lines = log.read_text(errors="replace").splitlines()[before:]
    assert not [line for line in lines if "Traceback" in line]
    access = [json.loads(line) for line in lines if '"msg": "access"' in line]
    assert any(a["path"] == "/admin/unanswered" and a["client"] for a in access), access


def test_login_cookie_and_csrf(client: ConsoleClient, accounts: Accounts) -> None:
    # No CSRF token on the login form: refused, no session cookie.
    plain = client.request(
        "POST",
        "/admin/login",
        form={"name": "console-editor", "password": accounts.passwords["console-editor"]},
    )
    assert plain.status == 401 and "duta_console=" not in plain.headers.get("Set-Cookie", "")
    answer = client.login("console-editor", accounts.passwords["console-editor"])
    assert answer.status == 303, answer.body
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin/" in cookie
    entry = {"faq_id": "csrf-test", "answer_en": "x"}
    assert client.request("POST", "/admin/api/faq/publish", body=entry).status == 403
    wrong = {"X-CSRF-Token": "forged"}
    assert client.request("POST", "/admin/api/faq/check", body=entry, headers=wrong).status == 403
    # With the token the checks run (and find the entry incomplete): 422, nothing written.
    good = {"X-CSRF-Token": client.csrf()}
    checked = client.request("POST", "/admin/api/faq/check", body=entry, headers=good)
    assert checked.status == 422 and checked.json()["errors"], checked.body


def test_a_viewer_cannot_publish(client: ConsoleClient, accounts: Accounts) -> None:
    assert client.login("console-viewer", accounts.passwords["console-viewer"]).status == 303
    headers = {"X-CSRF-Token": client.csrf()}
    entry = {"faq_id": "viewer-test", "answer_en": "x"}
    assert (
        client.request("POST", "/admin/api/faq/publish", body=entry, headers=headers).status == 403
    )
    assert client.request("GET", "/admin/answer?ids=1").status == 403
    assert client.request("GET", "/admin/unanswered").status == 200


def test_lockout_after_repeated_failures(client: ConsoleClient, accounts: Accounts) -> None:
    for _ in range(5):
        assert client.login("console-locked", "not the password").status == 401
    refused = client.login("console-locked", accounts.passwords["console-locked"])
    assert refused.status == 401 and "15" in refused.body


def _ask(stack: RunningStack, question: str, lang: str | None) -> dict[str, Any]:
    reply = stack.chat(f"console-{uuid.uuid4().hex[:10]}", question, lang=lang)
    assert reply.status == 200, reply.body
    return reply.body


def _text(body: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in body["messages"])


def content_hash(index: Path) -> str | None:
    version = current_version(index)
    if version is None:
        return None
    return json.loads((version / "manifest.json").read_text())["content_hash"]


def serve_content(running_stack: RunningStack, original: str | None) -> None:
    """Serve an index of the knowledge copy's content again (`original`, its content hash) when a
    test left another one: a retrain rebuilds it, as the version may have been pruned."""
    extra = running_stack.config.extra_env
    index = Path(extra["DUTA_INDEX_DIR"])
    if content_hash(index) != original:
        env = {
            **os.environ,
            "DUTA_KNOWLEDGE_DIR": extra["DUTA_KNOWLEDGE_DIR"],
            "DUTA_INDEX_DIR": extra["DUTA_INDEX_DIR"],
            "DUTA_ADMIN_TOKEN": extra["DUTA_ADMIN_TOKEN"],
            "ACTION_SERVER_URL": f"http://127.0.0.1:{running_stack.config.action_port}",
            "RASA_URL": running_stack.config.rasa_url,
        }
        subprocess.run(
            [sys.executable, "-m", "admin", "retrain", "--rasa", "skip"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    assert content_hash(index) == original


@pytest.fixture
def knowledge_restored(running_stack: RunningStack) -> Iterator[None]:
    """Put the private knowledge copy back as it was, and serve an index of that content (the
    version the test started with may have been pruned by then: a retrain rebuilds it)."""
    extra = running_stack.config.extra_env
    staff = Path(extra["DUTA_KNOWLEDGE_DIR"]) / "faq" / "staff.yml"
    before = staff.read_text(encoding="utf-8") if staff.exists() else None
    index = Path(extra["DUTA_INDEX_DIR"])
    original = content_hash(index)
    yield
    if before is None:
        staff.unlink(missing_ok=True)
    else:
        staff.write_text(before, encoding="utf-8")
    serve_content(running_stack, original)


def test_unanswered_in_the_widget_answered_from_the_console(
    running_stack: RunningStack, accounts: Accounts, knowledge_restored: None, tmp_path: Path
) -> None:
    # A phrasing of each language that Duta cannot answer today (a fallback); the Indonesian
    # one must reach the knowledge layer ("no answer"), as the widget's question.
    chosen: dict[str, str] = {}
    tried: list[str] = []
    for lang, phrasings in PHRASINGS.items():
        for phrasing in phrasings:
            body = _ask(running_stack, phrasing, lang)
            tried.append(f"{phrasing} -> {body['fallback']} {_text(body)[:100]!r}")
            # The decline may come with the nearest entries offered after it.
            reached = say("no_answer", lang) in _text(body)
            wanted = reached if lang == "id" else body["fallback"]
            if wanted:
                chosen[lang] = phrasing
                break
        else:
            pytest.fail(f"no {lang} phrasing reached the knowledge layer: {tried}")
    pids = {name: p.pid for name, p in running_stack.stack.processes.items()}
    gateway = running_stack.config.gateway_url
    editor = accounts.passwords["console-editor"]
    knowledge = Path(running_stack.config.extra_env["DUTA_KNOWLEDGE_DIR"])

    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # screenshots (git-ignored; docs/ has copies)
    with chromium(tmp_path / "profile") as context:
        widget = Widget(context.new_page()).goto(gateway + "/demo")
        widget.open()
        [declined, *_] = widget.send(chosen["id"])
        assert declined.startswith(say("no_answer", "id")), declined

        console = context.new_page()
        console.goto(gateway + "/admin/unanswered")
        assert console.url.endswith("/admin/login")
        console.fill("#name", "console-editor")
        console.fill("#password", editor)
        console.get_by_role("button", name=re.compile("Masuk|Log in")).click()
        console.wait_for_url("**/admin/unanswered", timeout=180_000)  # model load
        group = console.locator("section.group", has_text=chosen["id"]).first
        group.wait_for(timeout=120_000)
        console.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)
        group.get_by_role("link", name=re.compile("^(Jawab|Answer it)$")).click()
        console.wait_for_url("**/admin/answer?ids=*")
        assert chosen["id"] in console.input_value("#questions_id")
        console.fill("#faq_id", "kemlu-library-public")
        console.fill("#questions_en", "\n".join(PHRASINGS["en"]))
        console.fill("#questions_id", "\n".join(PHRASINGS["id"]))
        console.fill("#answer_id", ANSWERS["id"])
        console.fill("#answer_en", ANSWERS["en"])
        console.fill("#source_title", SOURCE_TITLE)
        console.fill("#source_url", "https://kemlu.go.id")
        console.fill("#source_date", "2026-12-01")
        console.get_by_role("button", name=re.compile("Periksa|Check")).click()
        console.locator("#result").wait_for(timeout=120_000)
        console.screenshot(path=str(ARTIFACTS / "console-answer-checked.png"), full_page=True)
        started = time.monotonic()
        console.get_by_role("button", name=re.compile("Terbitkan|Publish")).click()
        result = console.locator("#result")
        result.wait_for(timeout=120_000)
        assert "kemlu-library-public" in result.inner_text(), console.content()
        # The dry run after publishing asked every question: the widget's one got the entry.
        unreached = console.locator("#unreached li").all_inner_texts()
        assert chosen["id"] not in unreached, unreached
        console.screenshot(path=str(ARTIFACTS / "console-published.png"), full_page=True)
        console.goto(gateway + "/admin/history")
        console.screenshot(path=str(ARTIFACTS / "console-history.png"), full_page=True)

        answer = "\n".join(widget.send(chosen["id"]))
        elapsed = time.monotonic() - started
        print(f"console publish to the widget's answer: {elapsed:.1f} s")
        assert ANSWERS["id"] in answer, answer
        assert SOURCE_TITLE in "\n".join(widget.texts(".srcs li"))
        assert elapsed < 30, f"answered {elapsed:.1f} s after Publish"

        english = _ask(running_stack, chosen["en"], "en")
        assert ANSWERS["en"] in _text(english) and english["fallback"] is False
        # No restart; the change log names the console account; the group left the queue.
        assert {name: p.pid for name, p in running_stack.stack.processes.items()} == pids
        log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
        assert "staff console: publish" in log and "by: console-editor" in log
        with sqlite3.connect(accounts.db) as db:
            answered = db.execute(
                "SELECT count(*) FROM unanswered WHERE answered_by = 'kemlu-library-public'"
            ).fetchone()[0]
        assert answered >= 2

        # Undo it from the history page: the widget falls back again, and a retrain after the
        # undo does not bring the entry back (content and index went back together).
        console.goto(gateway + "/admin/history")
        change = console.locator("tr.change", has_text="kemlu-library-public").first
        change.get_by_role("button").click()
        console.locator("#result").wait_for(timeout=120_000)
        assert "kemlu-library-public" in console.locator("#result").inner_text()
        staff = knowledge / "faq" / "staff.yml"
        assert not staff.exists() or "kemlu-library-public" not in staff.read_text("utf-8")
        declined_again = "\n".join(widget.send(chosen["id"]))
        assert ANSWERS["id"] not in declined_again, declined_again
        assert say("no_answer", "id") in declined_again, declined_again
        retrain = subprocess.run(
            [sys.executable, "-m", "admin", "retrain", "--rasa", "skip"],
            cwd=ROOT, env=_stack_env(running_stack), capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert retrain.returncode == 0 and "index: unchanged" in retrain.stdout, retrain.stdout
        still = "\n".join(widget.send(chosen["id"]))
        assert ANSWERS["id"] not in still, still


def _stack_env(stack: RunningStack) -> dict[str, str]:
    """What a staff member's shell needs to retrain the session stack."""
    extra = stack.config.extra_env
    return {
        **os.environ,
        "DUTA_KNOWLEDGE_DIR": extra["DUTA_KNOWLEDGE_DIR"],
        "DUTA_INDEX_DIR": extra["DUTA_INDEX_DIR"],
        "DUTA_ADMIN_TOKEN": extra["DUTA_ADMIN_TOKEN"],
        "ACTION_SERVER_URL": f"http://127.0.0.1:{stack.config.action_port}",
        "RASA_URL": stack.config.rasa_url,
    }


ENTRY = "dd-diplomacy-4-0"  # content/faq/digital_diplomacy.yml, answered from the FAQ
QUESTION = "Apa itu Diplomasi 4.0?"


def test_edit_retire_and_undo_restore_content_and_index_together(
    running_stack: RunningStack, client: ConsoleClient, accounts: Accounts,
    knowledge_restored: None,
) -> None:  # fmt: skip
    knowledge = Path(running_stack.config.extra_env["DUTA_KNOWLEDGE_DIR"])
    assert client.login("console-editor", accounts.passwords["console-editor"]).status == 303
    headers = {"X-CSRF-Token": client.csrf()}
    before = _text(_ask(running_stack, QUESTION, "id"))
    [entry] = client.request("GET", f"/admin/api/faq?q={ENTRY}").json()["entries"]
    assert entry["answers"]["id"] in before, before
    file = knowledge / "faq" / entry["file"]
    original = file.read_text(encoding="utf-8")

    # Edit: the answer changes, live, the rest of the file untouched.
    form = edit_form(entry) | {"allow_similar": "on"}
    form["answer_id"] += f" ({MARKER}-EDIT)"
    form["answer_en"] += f" ({MARKER}-EDIT)"
    edited = client.request("POST", "/admin/api/faq/publish", body=form, headers=headers)
    assert edited.status == 200 and edited.json()["live"], edited.body
    assert QUESTION not in edited.json()["unreached"], edited.json()["unreached"]
    assert f"{MARKER}-EDIT" in _text(_ask(running_stack, QUESTION, "id"))
    assert file.read_text(encoding="utf-8").count("- id: ") == original.count("- id: ")

    # Undo the edit: the file is byte for byte what it was, and the answer too.
    changes = client.request("GET", "/admin/api/changes").json()["changes"]
    assert changes[0]["action"] == "edit" and changes[0]["by"] == "console-editor"
    undo = {"change_id": str(changes[0]["id"])}
    undone = client.request("POST", "/admin/api/changes/undo", body=undo, headers=headers)
    assert undone.status == 200 and undone.json()["live"], undone.body
    assert file.read_text(encoding="utf-8") == original
    assert _text(_ask(running_stack, QUESTION, "id")) == before
    again = client.request("POST", "/admin/api/changes/undo", body=undo, headers=headers)
    assert again.status == 404  # undone already

    # Retire: the entry leaves the file and Duta stops answering with it; undo brings it back.
    retire = {"faq_id": entry["id"]}
    retired = client.request("POST", "/admin/api/faq/retire", body=retire, headers=headers)
    assert retired.status == 200 and retired.json()["live"], retired.body
    assert f"id: {entry['id']}" not in file.read_text(encoding="utf-8")
    assert entry["answers"]["id"] not in _text(_ask(running_stack, QUESTION, "id"))
    latest = client.request("GET", "/admin/api/changes").json()["changes"][0]
    assert latest["action"] == "retire"
    # This undo from the command line, as staff without a browser would.
    env = {
        **os.environ,
        "DUTA_KNOWLEDGE_DIR": str(knowledge),
        "DUTA_INDEX_DIR": running_stack.config.extra_env["DUTA_INDEX_DIR"],
        "DUTA_ADMIN_TOKEN": running_stack.config.extra_env["DUTA_ADMIN_TOKEN"],
        "ACTION_SERVER_URL": f"http://127.0.0.1:{running_stack.config.action_port}",
        "DUTA_CONSOLE_DB": str(accounts.db),
        "DUTA_CHANGED_BY": "cli-staffer",
    }
    cli = subprocess.run(
        [sys.executable, "-m", "admin", "changes", "undo", str(latest["id"])],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert file.read_text(encoding="utf-8") == original
    assert _text(_ask(running_stack, QUESTION, "id")) == before
    listed = subprocess.run(
        [sys.executable, "-m", "admin", "changes", "list"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert f"#{latest['id']}" in listed and "cli-staffer" in listed and "undone by" in listed

    # A retrain now finds nothing to do: content and index went back together.
    retrain = subprocess.run(
        [sys.executable, "-m", "admin", "retrain", "--rasa", "skip"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert retrain.returncode == 0 and "index: unchanged" in retrain.stdout, retrain.stdout
    log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "staff console: edit" in log and "staff console: undo" in log
    assert "staff console: retire" in log and "by: cli-staffer" in log


PERSONAL = [
    "My name is Budi Santoso, what is the weather in Tokyo tomorrow? budi.s@example.com",
    "Nama saya Budi Santoso, siapa juara piala dunia 2022? email budi.s@example.com",
    "My name is Budi Santoso and my passport A1234567: who won the 2022 World Cup?",
]


def test_unanswered_questions_are_queued_masked(
    running_stack: RunningStack, client: ConsoleClient, accounts: Accounts
) -> None:
    fallbacks = [
        text for text in PERSONAL if _ask(running_stack, text, None)["fallback"]
    ]  # fmt: skip
    assert fallbacks, "none of the out-of-scope questions got a fallback"
    assert client.login("console-viewer", accounts.passwords["console-viewer"]).status == 303
    queue = client.request("GET", "/admin/api/unanswered")
    assert queue.status == 200
    assert "Budi" not in queue.body and "budi.s@example.com" not in queue.body
    assert "A1234567" not in queue.body
    assert "[NAME]" in queue.body
    page = client.request("GET", "/admin/unanswered?lang=en")
    assert "[NAME]" in page.body and "Budi" not in page.body


def test_no_password_or_question_text_in_logs_or_in_clear(
    running_stack: RunningStack, accounts: Accounts
) -> None:
    """Runs after the others: every password typed so far and the users' words stay out."""
    logs = "\n".join(
        p.read_text(errors="replace") for p in running_stack.config.log_dir.glob("*.log")
    )
    stored = accounts.db.read_bytes()
    for password in accounts.passwords.values():
        assert password not in logs
        assert password.encode() not in stored
    assert "Budi Santoso" not in logs and "budi.s@example.com" not in logs
    assert PHRASINGS["id"][0] not in logs
    assert oct(accounts.db.stat().st_mode & 0o777) == "0o600"

"""The console's spreadsheet and entry-history routes on a real gateway app, with the real
knowledge layer on a copy of the project's FAQ (a stand-in embedder; no action server runs, so
nothing goes live): download, upload (CSRF, roles, a file larger than the gateway's body limit),
every problem at once, an edited cell published and recorded, and a revert from its history."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from admin.console.desk import KnowledgeDesk
from admin.console.routes import DESK
from admin.console.store import ConsoleStore
from admin.faq_sheet import COLUMNS, column_letter
from bot.app import create_app
from knowledge.faq import load_faq
from knowledge.paths import CONTENT_DIR
from tests.unit.knowledge_testkit import FakeEmbedder

from .test_console_web import PASSWORD, console_app, csrf_of, login
from .test_gateway_support import free_port, settings_for


@pytest.fixture
async def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(CONTENT_DIR / "faq", knowledge / "faq")
    monkeypatch.setenv("DUTA_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("DUTA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ACTION_SERVER_URL", f"http://127.0.0.1:{free_port()}")
    db = tmp_path / "console.db"
    store = ConsoleStore(db)
    store.add_user("editor1", "editor", PASSWORD)
    store.add_user("viewer1", "viewer", PASSWORD)
    app = create_app(settings_for(DUTA_CONSOLE_DB=str(db)))
    embedder = FakeEmbedder()
    console_app(app)[DESK] = KnowledgeDesk(embedder=lambda: embedder)
    async with TestClient(TestServer(app)) as client:
        yield client


def _knowledge() -> Path:
    import os

    return Path(os.environ["DUTA_KNOWLEDGE_DIR"])


def _files() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted((_knowledge() / "faq").glob("*.yml"))}


def _upload(data: bytes, name: str, csrf: str | None, action: str = "import") -> FormData:
    form = FormData()
    if csrf is not None:
        form.add_field("csrf", csrf)
    form.add_field("action", action)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return form


async def test_download_then_upload_unchanged_changes_nothing(client: TestClient) -> None:
    await login(client, "viewer1")
    sheet = await client.get("/admin/faq/export.xlsx")
    assert sheet.status == 200
    assert sheet.headers["Content-Disposition"].startswith('attachment; filename="duta-faq-')
    data = await sheet.read()
    assert len(data) > 16 * 1024  # more than the gateway's MAX_BODY_BYTES
    csv = await (await client.get("/admin/faq/export.csv")).read()
    assert csv.startswith(b"\xef\xbb\xbfid,question_id,")
    # A viewer may download but not upload.
    csrf = await csrf_of(client)
    refused = await client.post("/admin/api/faq/import", data=_upload(data, "faq.xlsx", csrf))
    assert refused.status == 403
    await login(client, "editor1")
    csrf = await csrf_of(client)
    before = _files()
    for name, body in (("faq.xlsx", data), ("faq.csv", csv)):
        answer = await client.post("/admin/api/faq/import", data=_upload(body, name, csrf))
        result = await answer.json()
        assert answer.status == 200, result
        assert result["published"] is False and result["added"] == result["changed"] == []
        assert result["unchanged"] == len(load_faq(_knowledge() / "faq"))
    assert _files() == before


async def test_an_upload_without_the_csrf_token_is_refused(client: TestClient) -> None:
    await login(client, "editor1")
    data = await (await client.get("/admin/faq/export.csv")).read()
    page = await client.post("/admin/faq/import", data=_upload(data, "faq.csv", None))
    assert page.status == 403
    forged = await client.post("/admin/faq/import", data=_upload(data, "faq.csv", "forged"))
    assert forged.status == 403
    wrong = {"X-CSRF-Token": "forged"}
    api = await client.post(
        "/admin/api/faq/import", data=_upload(data, "faq.csv", None), headers=wrong
    )
    assert api.status == 403


def _edit(data: bytes, cells: dict[str, str]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        book.active[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ref(column: str, row: int) -> str:
    return f"{column_letter(COLUMNS.index(column))}{row}"


async def test_every_problem_at_once_on_the_page(client: TestClient) -> None:
    await login(client, "editor1")
    csrf = await csrf_of(client)
    data = await (await client.get("/admin/faq/export.xlsx")).read()
    broken = _edit(data, {_ref("source_date", 3): "1 April 2024", _ref("answer_en", 5): ""})
    before = _files()
    form = _upload(broken, "my faq.xlsx", csrf)
    page = await client.post("/admin/faq/import?lang=en", data=form)
    html = await page.text()
    assert page.status == 422
    assert "my_faq.xlsx row 3, column I (source_date): &#39;1 April 2024&#39; is not a date" in html
    assert "my_faq.xlsx row 5, column E (answer_en): empty" in html
    assert "2 problem(s); nothing was saved" in html
    assert _files() == before


async def test_an_edited_cell_is_published_recorded_and_reverted(client: TestClient) -> None:
    await login(client, "editor1")
    csrf = await csrf_of(client)
    data = await (await client.get("/admin/faq/export.xlsx")).read()
    book = load_workbook(io.BytesIO(data))
    faq_id = book.active[_ref("id", 4)].value
    old_answer = book.active[_ref("answer_en", 4)].value
    edited = _edit(data, {_ref("answer_en", 4): old_answer + " (EDITED)"})
    page = await client.post("/admin/faq/import?lang=en", data=_upload(edited, "faq.xlsx", csrf))
    html = await page.text()
    assert page.status == 200, html
    # Saved; no action server runs here, so the page says it is not live yet.
    assert f"Changed: <code>{faq_id}</code>" in html and 'id="result"' in html
    now = {e.faq_id: e for e in load_faq(_knowledge() / "faq")}
    assert now[faq_id].answers["en"] == old_answer + " (EDITED)"
    changes = await (await client.get("/admin/api/changes")).json()
    assert changes["changes"][0]["action"] == "import faq.xlsx"
    assert changes["changes"][0]["faq_id"] == faq_id
    history = (await (await client.get(f"/admin/api/faq/history?id={faq_id}")).json())["history"]
    assert history[0]["action"] == "changed" and history[0]["by"] == "editor1"
    assert history[0]["via"] == "staff console: import faq.xlsx"
    # Edit once more, then revert to the first edit from its history.
    again = _edit(data, {_ref("answer_en", 4): old_answer + " (EDITED TWICE)"})
    assert (
        await client.post("/admin/faq/import", data=_upload(again, "faq.xlsx", csrf))
    ).status == 200
    page = await client.get(f"/admin/faq/history?id={faq_id}&lang=en")
    assert f"Revert to #{history[0]['seq']}" in await page.text()
    revert = {"faq_id": faq_id, "seq": str(history[0]["seq"])}
    answer = await client.post("/admin/api/faq/revert", json=revert, headers={"X-CSRF-Token": csrf})
    body = await answer.json()
    assert answer.status == 200 and body["published"], body
    back = {e.faq_id: e for e in load_faq(_knowledge() / "faq")}
    assert back[faq_id].answers["en"] == old_answer + " (EDITED)"
    latest = (await (await client.get(f"/admin/api/faq/history?id={faq_id}")).json())["history"]
    assert latest[0]["via"] == f"staff console: revert to #{history[0]['seq']}"
    versions = (await (await client.get("/admin/api/versions")).json())["versions"]
    assert versions and versions[0]["by"] == "editor1" and versions[0]["current"]

"""The FAQ as a spreadsheet on the real session stack (issue 22, point 5), in Chromium: an
editor downloads the FAQ, a sheet with mistakes is refused with every problem named by row and
column, the sheet with one edited answer is imported from the console, and the running
assistant answers with the edited text, no restart; the entry's history page then puts the
version before back, and the assistant answers as before. Screenshots for docs/console.md.

The stack serves a private copy of knowledge/ and the index (knowledge_copy.py); the FAQ files
and the index go back as they were when the test ends."""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from admin.faq_sheet import COLUMNS, column_letter

from .conftest import RunningStack
from .test_console import ConsoleClient, add_account, content_hash, serve_content
from .test_widget_support import ARTIFACTS, chromium

pytestmark = pytest.mark.integration

ENTRY = "dd-diplomacy-4-0"  # content/faq/digital_diplomacy.yml, answered from the FAQ
QUESTION = "Apa itu Diplomasi 4.0?"
MARKER = "DUTA-SHEET-TEST"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ask(stack: RunningStack, question: str) -> str:
    reply = stack.chat(f"sheet-{uuid.uuid4().hex[:10]}", question, lang="id")
    assert reply.status == 200, reply.body
    return "\n".join(m["text"] for m in reply.body["messages"])


@pytest.fixture(scope="module")
def editor(running_stack: RunningStack) -> str:
    """An editor of its own (test_console.py makes its accounts in the same console file)."""
    return add_account(
        running_stack.config.tracker_db.parent / "console.db", "sheet-editor", "editor"
    )


@pytest.fixture
def faq_restored(running_stack: RunningStack) -> Iterator[Path]:
    """Every FAQ file back as it was, and an index of that content served."""
    extra = running_stack.config.extra_env
    faq = Path(extra["DUTA_KNOWLEDGE_DIR"]) / "faq"
    files = {p: p.read_text(encoding="utf-8") for p in faq.glob("*.yml")}
    index = Path(extra["DUTA_INDEX_DIR"])
    original = content_hash(index)
    yield faq
    for path in faq.glob("*.yml"):
        if path not in files:
            path.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    serve_content(running_stack, original)


def _download(client: ConsoleClient, path: str) -> bytes:
    with client.opener.open(client.base + path, timeout=120) as response:
        assert response.status == 200
        return response.read()


def _ref(column: str, row: int) -> str:
    return f"{column_letter(COLUMNS.index(column))}{row}"


def _sheets(data: bytes) -> tuple[bytes, bytes, dict[str, Any]]:
    """(the sheet with ENTRY's answers edited, a copy with two mistakes added, what changed)."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    rows = {sheet[_ref("id", r)].value: r for r in range(2, sheet.max_row + 1)}
    row = rows[ENTRY]
    old = {lang: sheet[_ref(f"answer_{lang}", row)].value for lang in ("id", "en")}
    for lang in ("id", "en"):
        sheet[_ref(f"answer_{lang}", row)] = f"{old[lang]} ({MARKER})"
    good = io.BytesIO()
    book.save(good)
    other = 3 if row != 3 else 4
    sheet[_ref("source_date", other)] = "31/12/2026"
    sheet[_ref("question_en", other + 1)] = ""
    bad = io.BytesIO()
    book.save(bad)
    return good.getvalue(), bad.getvalue(), {"row": row, "other": other, "old": old}


def test_a_sheet_edit_reaches_the_assistant_and_its_history_takes_it_back(
    running_stack: RunningStack,
    editor: str,
    faq_restored: Path,
    tmp_path: Path,
) -> None:
    before = _ask(running_stack, QUESTION)
    assert MARKER not in before
    gateway = running_stack.config.gateway_url
    client = ConsoleClient(gateway)
    password = editor
    assert client.login("sheet-editor", password).status == 303
    exported = _download(client, "/admin/faq/export.xlsx")
    good, bad, where = _sheets(exported)
    pids = {name: p.pid for name, p in running_stack.stack.processes.items()}
    files_before = {p.name: p.read_text("utf-8") for p in faq_restored.glob("*.yml")}

    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # screenshots (git-ignored; docs/img has copies)
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        page.goto(gateway + "/admin/login?lang=en")
        page.fill("#name", "sheet-editor")
        page.fill("#password", password)
        page.get_by_role("button", name=re.compile("Log in|Masuk")).click()
        page.wait_for_url("**/admin/unanswered", timeout=180_000)
        page.goto(gateway + "/admin/faq/sheet?lang=en")

        # A sheet with two mistakes: both named, by row and column, nothing saved.
        page.set_input_files("#file", files=[{"name": "faq.xlsx", "mimeType": XLSX, "buffer": bad}])
        page.get_by_role("button", name="Check").click()
        problems = page.locator("#problems")
        problems.wait_for(timeout=120_000)
        text = problems.inner_text()
        other = where["other"]
        date_column = column_letter(COLUMNS.index("source_date"))
        question_column = column_letter(COLUMNS.index("question_en"))
        assert f"faq.xlsx row {other}, column {date_column} (source_date): '31/12/2026'" in text
        assert f"faq.xlsx row {other + 1}, column {question_column} (question_en): empty" in text
        assert "2 problem(s); nothing was saved" in text
        page.screenshot(path=str(ARTIFACTS / "console-sheet-problems.png"), full_page=True)
        assert {p.name: p.read_text("utf-8") for p in faq_restored.glob("*.yml")} == files_before

        # The sheet with the edited answer: imported, live.
        page.set_input_files(
            "#file", files=[{"name": "faq.xlsx", "mimeType": XLSX, "buffer": good}]
        )
        started = time.monotonic()
        page.get_by_role("button", name="Import and publish").click()
        result = page.locator("#result")
        result.wait_for(timeout=180_000)
        assert "0 new, 1 changed" in result.inner_text(), page.content()
        assert ENTRY in page.locator("#rows").inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-sheet-imported.png"), full_page=True)
        answer = _ask(running_stack, QUESTION)
        elapsed = time.monotonic() - started
        print(f"console sheet import to the assistant's answer: {elapsed:.1f} s")
        assert f"({MARKER})" in answer, answer
        assert elapsed < 60, f"answered {elapsed:.1f} s after Import"

        # Its history: the import, and the version before it, which a Revert puts back.
        page.goto(gateway + f"/admin/faq/history?id={ENTRY}&lang=en")
        latest = page.locator("section.version").first
        assert "sheet-editor" in latest.inner_text()
        assert "staff console: import faq.xlsx" in latest.inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-entry-history.png"), full_page=True)
        page.get_by_role("button", name=re.compile("Revert to the version before")).click()
        page.locator("#result").wait_for(timeout=180_000)
        assert ENTRY in page.locator("#result").inner_text()
        assert {p.pid for p in running_stack.stack.processes.values()} == set(pids.values())

    after = _ask(running_stack, QUESTION)
    assert MARKER not in after and after == before, (before, after)
    knowledge = faq_restored.parent
    log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "staff console: import faq.xlsx" in log and "by: sheet-editor" in log
    assert "staff console: revert to before #" in log
    # The revert is recorded like any change, and the history holds both.
    history = [
        json.loads(line)
        for line in (knowledge / "faq-history.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    mine = [h for h in history if h["faq_id"] == ENTRY]
    assert [h["via"].split(" #")[0] for h in mine[-2:]] == [
        "staff console: import faq.xlsx", "staff console: revert to before",
    ]  # fmt: skip
    assert mine[-1]["after"]["answers"] == where["old"]

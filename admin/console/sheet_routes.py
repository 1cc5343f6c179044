"""The console's spreadsheet, entry history and versions routes (docs/console.md, section 7).

Pages: /admin/faq/sheet (download and upload), /admin/faq/export.xlsx|.csv (anyone logged in),
POST /admin/faq/import (editors; multipart: csrf, action=check|import, allow_similar, file),
/admin/faq/history?id= and POST /admin/faq/revert (editors). JSON: POST /admin/api/faq/import
(multipart, header X-CSRF-Token), GET /admin/api/faq/history?id=, POST /admin/api/faq/revert
{"faq_id", "seq", "before"?}, GET /admin/api/versions. The guard in routes.py lets nothing
through without a session; an upload streams past the gateway's small body limit, so its CSRF
field is checked here, before anything is read into a check.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from dataclasses import asdict

from aiohttp import BodyPartReader, web

from admin.console import sheet
from admin.console.desk import Outcome
from admin.console.routes import (
    _NO_STORE,
    DESK,
    SESSION,
    STORE,
    _editor_json,
    _json_error,
    _outcome_json,
    _page_error,
    _record,
    _render,
)
from bot.logging_setup import fields

log = logging.getLogger("admin.console")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # admin.faq_sheet.MAX_SHEET_BYTES
MAX_FIELD_BYTES = 1024


def add_sheet_routes(console: web.Application) -> None:
    routes = console.router
    routes.add_get("/faq/sheet", _sheet_page)
    routes.add_get("/faq/export.xlsx", _export)
    routes.add_get("/faq/export.csv", _export)
    routes.add_post("/faq/import", _import_page)
    routes.add_get("/faq/history", _history_page)
    routes.add_post("/faq/revert", _revert_page)
    routes.add_post("/api/faq/import", _api_import)
    routes.add_get("/api/faq/history", _api_history)
    routes.add_post("/api/faq/revert", _api_revert)
    routes.add_get("/api/versions", _api_versions)


class UploadRefused(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


async def read_upload(request: web.Request) -> tuple[dict[str, str], str, bytes]:
    """(fields, file name, file bytes) of a multipart upload, with the session's CSRF token
    checked (the X-CSRF-Token header, or the form's `csrf` field); sizes bounded."""
    if request.content_type != "multipart/form-data":
        raise UploadRefused(400, "multipart_required")
    fields_: dict[str, str] = {}
    name, data = "", b""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise UploadRefused(400, "nested_multipart")
        if part.name == "file":
            name = part.filename or ""
            chunks, size = [], 0
            while chunk := await part.read_chunk(64 * 1024):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise UploadRefused(413, "upload_too_large")
                chunks.append(chunk)
            data = b"".join(chunks)
        elif part.name:
            raw = await part.read_chunk(MAX_FIELD_BYTES + 1)
            if len(raw) > MAX_FIELD_BYTES:
                raise UploadRefused(413, "field_too_large")
            fields_[part.name] = raw.decode("utf-8", errors="replace")
    sent = request.headers.get("X-CSRF-Token") or fields_.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, request[SESSION].csrf):
        log.info("console upload without a valid CSRF token", extra=fields(path=request.path))
        raise UploadRefused(403, "csrf")
    return fields_, name, data


# --- pages -------------------------------------------------------------------------------------


async def _sheet_page(request: web.Request) -> web.Response:
    return _render(request, "sheet.html", result=None)


async def _export(request: web.Request) -> web.Response:
    kind = "xlsx" if request.path.endswith(".xlsx") else "csv"
    data = await asyncio.to_thread(sheet.export, kind)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if kind == "xlsx"
        else "text/csv; charset=utf-8"
    )
    headers = {
        **_NO_STORE,
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="duta-faq-{stamp}.{kind}"',
    }
    name = request[SESSION].user.name
    await asyncio.to_thread(request.app[STORE].audit, name, "export", f"FAQ as .{kind}")
    return web.Response(body=data, headers=headers)


async def _run_import(request: web.Request) -> tuple[sheet.SheetOutcome, int]:
    session = request[SESSION]
    if not session.user.can_publish:
        raise UploadRefused(403, "viewer_only")
    form, name, data = await read_upload(request)
    publish = form.get("action", "import") != "check"
    allow_similar = form.get("allow_similar") in ("on", "true", "1")
    desk, store, who = request.app[DESK], request.app[STORE], session.user.name
    result = await asyncio.to_thread(
        sheet.import_sheet, desk, name, data, allow_similar, who, publish
    )
    outcome = result.outcome
    if outcome.published:
        label = outcome.faq_id or ""
        for file, before, after in result.files:
            await asyncio.to_thread(
                store.add_change, who, f"import {sheet.sheet_name(name)}", label, file, before,
                after,
            )  # fmt: skip
        state = "live" if outcome.live else f"not live: {outcome.failure}"
        detail = (
            f"{len(result.added)} new, {len(result.changed)} changed, "
            f"{result.unchanged} unchanged; {state}"
        )
        await asyncio.to_thread(store.audit, who, "import", detail)
        log.info(
            "console import",
            extra=fields(account=who, added=len(result.added), changed=len(result.changed)),
        )
    return result, 200 if outcome.ok else 422


async def _import_page(request: web.Request) -> web.Response:
    try:
        result, status = await _run_import(request)
    except UploadRefused as refused:
        key = {"csrf": "bad_form", "viewer_only": "viewer_only"}.get(refused.code)
        if refused.status == 413:
            key = "upload_too_large"
        return _page_error(request, refused.status, key or "bad_form")
    return _render(request, "sheet.html", status=status, result=result)


async def _history_page(request: web.Request, outcome: Outcome | None = None) -> web.Response:
    faq_id = request.query.get("id", "")[:64]
    if outcome is not None:
        faq_id = outcome.faq_id or faq_id
    records = await asyncio.to_thread(sheet.history, faq_id)
    status = 200 if outcome is None or outcome.ok else 422
    return _render(
        request, "entry_history.html", status=status, faq_id=faq_id, records=records,
        outcome=outcome,
    )  # fmt: skip


async def _revert(request: web.Request, body: dict[str, str]) -> tuple[Outcome, int]:
    if not request[SESSION].user.can_publish:
        return Outcome(errors=["viewer_only"]), 403
    faq_id = body.get("faq_id", "").strip()[:64]
    seq = int(body["seq"]) if str(body.get("seq", "")).isdigit() else 0
    allow_similar = body.get("allow_similar") in ("on", "true", "1")
    before = body.get("before") in ("on", "true", "1")
    desk, name = request.app[DESK], request[SESSION].user.name
    outcome = await asyncio.to_thread(sheet.revert, desk, faq_id, seq, allow_similar, name, before)
    await _record(request, outcome, f"revert to {'before ' if before else ''}#{seq}")
    return outcome, 200 if outcome.ok else 422


async def _revert_page(request: web.Request) -> web.Response:
    posted = await request.post()
    keys = ("faq_id", "seq", "allow_similar", "before")
    body = {key: str(posted.get(key, "")) for key in keys}
    outcome, status = await _revert(request, body)
    if status == 403:
        return _page_error(request, 403, "viewer_only")
    return await _history_page(request, outcome)


# --- JSON API ----------------------------------------------------------------------------------


async def _api_import(request: web.Request) -> web.Response:
    try:
        result, status = await _run_import(request)
    except UploadRefused as refused:
        return _json_error(refused.status, refused.code)
    body = {
        **_outcome_json(result.outcome),
        "added": result.added,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "files": [file for file, _before, _after in result.files],
    }
    return web.json_response(body, status=status, headers=_NO_STORE)


async def _api_history(request: web.Request) -> web.Response:
    records = await asyncio.to_thread(sheet.history, request.query.get("id", "")[:64])
    return web.json_response({"history": [asdict(r) for r in records]}, headers=_NO_STORE)


async def _api_revert(request: web.Request) -> web.Response:
    body = await _editor_json(request)
    if isinstance(body, web.Response):
        return body
    outcome, status = await _revert(request, body)
    return web.json_response(_outcome_json(outcome), status=status, headers=_NO_STORE)


async def _api_versions(request: web.Request) -> web.Response:
    labels = await asyncio.to_thread(sheet.versions)
    return web.json_response({"versions": [asdict(v) for v in labels]}, headers=_NO_STORE)

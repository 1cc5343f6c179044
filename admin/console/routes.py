"""The staff console under /admin/ (docs/console.md): login, the unanswered queue, answering it.

Everything is a sub-application whose middleware lets nothing but the login form through without
a session: pages redirect to /admin/login, /admin/api/ answers 401. Every POST (the login form
included) must carry the session's CSRF token (form field `csrf` or header X-CSRF-Token).
The session cookie is HttpOnly, SameSite=Strict, limited to /admin/, and Secure over HTTPS.
Pages are rendered on the server (Jinja2, autoescaped), with a per-answer CSP nonce for the one
style sheet and script: no build step, nothing loaded from elsewhere.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from limits.aio.storage import MemoryStorage, Storage

from admin.console.desk import KnowledgeDesk, Outcome
from admin.console.dry_run import unreached_questions
from admin.console.forms import FORM_FIELDS, edit_form, entry_from_form, entry_json
from admin.console.store import ConsoleStore, Session
from bot.app_keys import LIMIT_STORAGE, RASA_CLIENT, SETTINGS
from bot.i18n import Language, page_language, text
from bot.logging_setup import CLIENT_IP_KEY, fields
from bot.rasa_client import UpstreamError
from bot.rate_limit import RateLimiter

log = logging.getLogger("admin.console")

PREFIX = "/admin"
SESSION_COOKIE = "duta_console"
LOGIN_COOKIE = "duta_console_login"  # the login form's CSRF token (no session yet)
LANG_COOKIE = "duta_console_lang"
PUBLIC_PATHS = frozenset({f"{PREFIX}/login"})
# Spreadsheet uploads, read as a stream by their handlers (admin/console/sheet_routes.py).
UPLOAD_PATHS = frozenset({f"{PREFIX}/faq/import", f"{PREFIX}/api/faq/import"})

# Login attempts per client address a minute, whatever the account: lockout stops guessing one
# account's password, this stops trying one password on many names (and finding out names).
LOGIN_ATTEMPTS_PER_MIN = 10

STORE = web.AppKey("console_store", ConsoleStore)
LOGIN_LIMITER = web.AppKey("console_login_limiter", RateLimiter)
DESK = web.AppKey("console_desk", KnowledgeDesk)
TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
SESSION = web.RequestKey("console_session", Session)

_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_NO_STORE = {"Cache-Control": "no-store"}


def create_console(
    store: ConsoleStore,
    desk: KnowledgeDesk | None = None,
    login_attempts_per_min: int = LOGIN_ATTEMPTS_PER_MIN,
    limit_storage: Storage | None = None,
) -> web.Application:
    # Bodies are limited by the gateway's MAX_BODY_BYTES (the main app makes the requests).
    console = web.Application(middlewares=[_guard])
    console[STORE] = store
    console[DESK] = desk or KnowledgeDesk()
    console[LOGIN_LIMITER] = RateLimiter(
        login_attempts_per_min, limit_storage or MemoryStorage(), "console-login"
    )
    console[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    routes = console.router
    routes.add_get("/", _home)
    routes.add_get("/login", _login_page)
    routes.add_post("/login", _login)
    routes.add_post("/logout", _logout)
    routes.add_get("/unanswered", _unanswered_page)
    routes.add_get("/answer", _answer_page)
    routes.add_post("/answer", _answer)
    routes.add_get("/history", _history_page)
    routes.add_get("/faq", _faq_page)
    routes.add_get("/faq/edit", _edit_page)
    routes.add_post("/faq/retire", _retire)
    routes.add_post("/changes/undo", _undo)
    routes.add_get("/api/me", _api_me)
    routes.add_get("/api/unanswered", _api_unanswered)
    routes.add_post("/api/faq/check", _api_check)
    routes.add_post("/api/faq/publish", _api_publish)
    routes.add_get("/api/faq", _api_faq)
    routes.add_post("/api/faq/retire", _api_retire)
    routes.add_get("/api/changes", _api_changes)
    routes.add_post("/api/changes/undo", _api_undo)
    from admin.console.sheet_routes import add_sheet_routes  # it builds on this module
    from admin.console.try_routes import add_try_routes

    add_sheet_routes(console)
    add_try_routes(console)
    return console


def add_console(app: web.Application, store: ConsoleStore) -> None:
    app.router.add_get(PREFIX, _to_console)
    # RATE_LIMIT_IP_PER_MIN=0 (behind a proxy that limits, or in tests) turns this one off too.
    per_min = LOGIN_ATTEMPTS_PER_MIN if app[SETTINGS].ip_rate_per_min > 0 else 0
    storage = app[LIMIT_STORAGE]
    console = create_console(store, login_attempts_per_min=per_min, limit_storage=storage)
    app.add_subapp(f"{PREFIX}/", console)


async def _to_console(request: web.Request) -> web.StreamResponse:
    return _redirect(f"{PREFIX}/")


def _redirect(location: str) -> web.Response:
    # 303: after a POST the browser follows with a GET.
    return web.Response(status=303, headers={"Location": location, **_NO_STORE})


# --- the guard -------------------------------------------------------------------------------


def _is_api(request: web.Request) -> bool:
    return request.path.startswith(f"{PREFIX}/api/")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    session = await asyncio.to_thread(request.app[STORE].session, token) if token else None
    if session is None:
        if _is_api(request):
            return _json_error(401, "login_required")
        return _redirect(f"{PREFIX}/login")
    # An upload streams in (admin/console/sheet_routes.py reads it and checks its CSRF field).
    upload = request.path in UPLOAD_PATHS and request.content_type == "multipart/form-data"
    if (
        request.method not in ("GET", "HEAD")
        and not upload
        and not await _csrf_ok(request, session.csrf)
    ):
        log.info("console request without a valid CSRF token", extra=fields(path=request.path))
        if _is_api(request):
            return _json_error(403, "csrf")
        return _page_error(request, 403, "bad_form")
    request[SESSION] = session
    return await handler(request)


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        value = (await request.post()).get("csrf")
        sent = value if isinstance(value, str) else None
    return bool(sent) and hmac.compare_digest(str(sent), expected)


def _json_error(status: int, code: str) -> web.Response:
    return web.json_response({"error": {"code": code}}, status=status, headers=_NO_STORE)


def _secure(request: web.Request) -> bool:
    """Over HTTPS (directly, or behind our own proxy when TRUST_PROXY=1) the cookie is Secure."""
    if request.secure:
        return True
    settings = request.config_dict[SETTINGS]
    return settings.trust_proxy and request.headers.get("X-Forwarded-Proto", "") == "https"


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=f"{PREFIX}/",
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
    )


# --- pages -----------------------------------------------------------------------------------


def _language(request: web.Request) -> Language:
    return page_language(
        request.query.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
    )


def _render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    language = _language(request)
    nonce = secrets.token_urlsafe(16)
    session = request.get(SESSION)
    body = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            lang=language,
            t=lambda key, **params: text(key, language, **params),
            nonce=nonce,
            session=session,
            path=request.path,
            # The language switch keeps the page's own query (?ids=, ?id=, ?q=).
            lang_url=lambda code: str(request.rel_url.update_query(lang=code)),
            **context,
        )
    )
    csp = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    response = web.Response(
        text=body,
        status=status,
        content_type="text/html",
        headers={**_NO_STORE, "Content-Security-Policy": csp, "Referrer-Policy": "same-origin"},
    )
    if "lang" in request.query and request.query["lang"] in ("id", "en"):
        _set_cookie(request, response, LANG_COOKIE, language)
    return response


def _page_error(request: web.Request, status: int, key: str) -> web.Response:
    return _render(request, "message.html", status=status, message_key=key)


async def _home(request: web.Request) -> web.StreamResponse:
    return _redirect(f"{PREFIX}/unanswered")


async def _login_page(request: web.Request, error: str | None = None) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = _render(request, "login.html", status=401 if error else 200, csrf=token, error=error)
    _set_cookie(request, response, LOGIN_COOKIE, token)
    return response


async def _login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sent, expected = str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        log.info("console login without a valid CSRF token")
        return await _login_page(request, "login_expired")
    if await request.app[LOGIN_LIMITER].take(request.get(CLIENT_IP_KEY, request.remote or "")):
        log.info("console login rate limited")
        return await _login_page(request, "login_locked")
    name, password = str(form.get("name", "")).strip().lower(), str(form.get("password", ""))
    store = request.app[STORE]
    result = await asyncio.to_thread(store.check_login, name, password)
    if result.user is None:
        # The name only when it is an account: a password typed into the name field stays out.
        known = any(u.name == name for u, _ in await asyncio.to_thread(store.users))
        log.info(
            "console login refused",
            extra=fields(account=name if known else "(unknown)", locked=result.locked),
        )
        if known:
            await asyncio.to_thread(
                store.audit, name, "login refused", "locked" if result.locked else "wrong password"
            )
        return await _login_page(request, "login_locked" if result.locked else "login_failed")
    token, _session = await asyncio.to_thread(store.new_session, result.user)
    await asyncio.to_thread(store.audit, result.user.name, "login", result.user.role)
    log.info("console login", extra=fields(account=result.user.name, role=result.user.role))
    # Load the model in the background: the queue groups by meaning with it.
    asyncio.get_running_loop().run_in_executor(None, request.app[DESK].warm_up)
    response = _redirect(f"{PREFIX}/unanswered")
    _set_cookie(request, response, SESSION_COOKIE, token)
    response.del_cookie(LOGIN_COOKIE, path=f"{PREFIX}/")
    return response


async def _logout(request: web.Request) -> web.StreamResponse:
    from admin.console.try_routes import forget_session_chat

    await forget_session_chat(request)  # the session's test chat goes with it
    await asyncio.to_thread(request.app[STORE].end_session, request.cookies[SESSION_COOKIE])
    response = _redirect(f"{PREFIX}/login")
    response.del_cookie(SESSION_COOKIE, path=f"{PREFIX}/")
    return response


async def _unanswered_page(request: web.Request) -> web.Response:
    desk, store = request.app[DESK], request.app[STORE]
    grouping = await asyncio.to_thread(desk.grouping, store)
    return _render(request, "unanswered.html", grouping=grouping)


def _ids(raw: str) -> list[int]:
    return [int(part) for part in raw.split(",") if part.strip().isdigit()][:500]


def _blank_form(ids: list[int], examples: list[tuple[str, str]]) -> dict[str, str]:
    """The form pre-filled with what users asked, by language."""
    by_lang: dict[str, list[str]] = {"id": [], "en": []}
    for question, language in examples:
        if language in by_lang and question not in by_lang[language] and "[" not in question:
            by_lang[language].append(question)
    return dict.fromkeys(FORM_FIELDS, "") | {
        "ids": ",".join(str(i) for i in ids),
        "questions_id": "\n".join(by_lang["id"][:5]),
        "questions_en": "\n".join(by_lang["en"][:5]),
    }


async def _answer_page(request: web.Request) -> web.Response:
    session = request[SESSION]
    if not session.user.can_publish:
        return _page_error(request, 403, "viewer_only")
    ids = _ids(request.query.get("ids", ""))
    chosen = await _examples(request, ids)
    return _render(
        request, "answer.html", form=_blank_form(ids, chosen), examples=chosen, outcome=None
    )


async def _run_answer(
    request: web.Request, form: dict[str, str], publish: bool
) -> tuple[Outcome, int]:
    """Check (anyone logged in) or publish (editors) one entry, new or edited (form["editing"]:
    the id of the entry it replaces); (outcome, HTTP status)."""
    session = request[SESSION]
    desk = request.app[DESK]
    raw = entry_from_form(form)
    allow_similar = form.get("allow_similar") in ("on", "true", "1")
    editing = form.get("editing", "").strip() or None
    if not publish:
        outcome = await asyncio.to_thread(desk.check, raw, allow_similar, editing)
        return outcome, 200 if outcome.ok else 422
    if not session.user.can_publish:
        return Outcome(errors=[text("viewer_only", "en")]), 403
    name = session.user.name
    if editing is None:
        outcome = await asyncio.to_thread(desk.publish, raw, allow_similar, name)
    else:
        outcome = await asyncio.to_thread(desk.edit, editing, raw, allow_similar, name)
    await _record(request, outcome, "edit" if editing else "publish", _ids(form.get("ids", "")))
    if outcome.live and outcome.entries:
        try:
            outcome.unreached = await unreached_questions(
                request.config_dict[RASA_CLIENT], outcome.entries[0]
            )
        except UpstreamError as error:
            log.warning("console dry run failed", extra=fields(error=str(error)))
    return outcome, 200 if outcome.ok else 422


async def _record(
    request: web.Request, outcome: Outcome, action: str, answered_ids: list[int] | None = None
) -> None:
    """Who changed what, when: the change (for undo), the audit trail, the log (no content)."""
    if not (outcome.published and outcome.faq_id and outcome.change):
        return
    store, name = request.app[STORE], request[SESSION].user.name
    file, before, after = outcome.change
    await asyncio.to_thread(store.add_change, name, action, outcome.faq_id, file, before, after)
    answered = 0
    if answered_ids:
        answered = await asyncio.to_thread(store.mark_answered, answered_ids, outcome.faq_id)
    detail = f"FAQ {outcome.faq_id}" + (
        f"; {answered} queued question(s) answered" if answered else ""
    )
    detail += "; live" if outcome.live else f"; not live: {outcome.failure}"
    await asyncio.to_thread(store.audit, name, action, detail)
    log.info(f"console {action}", extra=fields(account=name, faq=outcome.faq_id, live=outcome.live))


async def _answer(request: web.Request) -> web.Response:
    session = request[SESSION]
    if not session.user.can_publish:
        return _page_error(request, 403, "viewer_only")
    posted = await request.post()
    form = {name: str(posted.get(name, "")) for name in FORM_FIELDS}
    publish = posted.get("action") == "publish"
    outcome, status = await _run_answer(request, form, publish)
    return _render(
        request, "answer.html", status=status, form=form, outcome=outcome, publish=publish,
        examples=await _examples(request, _ids(form.get("ids", ""))),
    )  # fmt: skip


async def _examples(request: web.Request, ids: list[int]) -> list[tuple[str, str]]:
    """What users asked, for the questions of the group being answered (still open)."""
    if not ids:
        return []
    items = await asyncio.to_thread(request.app[STORE].open_unanswered)
    wanted = set(ids)
    return [(i.text, i.language) for i in items if i.id in wanted]


async def _history_page(request: web.Request) -> web.Response:
    store = request.app[STORE]
    trail = await asyncio.to_thread(store.audit_trail)
    changes = await asyncio.to_thread(store.changes)
    from admin.console.sheet import versions

    kept = await asyncio.to_thread(versions)
    return _render(request, "history.html", trail=trail, changes=changes, versions=kept)


async def _faq_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "")[:200]
    found = await asyncio.to_thread(request.app[DESK].entries, query)
    return _render(request, "faq.html", entries=found, query=query)


async def _edit_page(request: web.Request) -> web.Response:
    if not request[SESSION].user.can_publish:
        return _page_error(request, 403, "viewer_only")
    entry = await asyncio.to_thread(request.app[DESK].entry, request.query.get("id", ""))
    if entry is None:
        return _page_error(request, 404, "no_entry")
    form = edit_form(entry_json(entry))
    return _render(request, "answer.html", form=form, examples=[], outcome=None)


async def _retire_or_undo(request: web.Request, body: dict[str, str]) -> tuple[Outcome, int]:
    """POST retire {faq_id} or undo {change_id}; editors only."""
    if not request[SESSION].user.can_publish:
        return Outcome(errors=[text("viewer_only", "en")]), 403
    desk, store, name = request.app[DESK], request.app[STORE], request[SESSION].user.name
    if request.path.endswith("/retire"):
        outcome = await asyncio.to_thread(desk.retire, body.get("faq_id", "").strip(), name)
        await _record(request, outcome, "retire")
        return outcome, 200 if outcome.ok else 422
    change_id = int(body["change_id"]) if body.get("change_id", "").isdigit() else 0
    change = await asyncio.to_thread(store.change, change_id)
    if change is None or change.undone_by is not None:
        return Outcome(errors=["no such change, or it was undone already"]), 404
    outcome = await asyncio.to_thread(
        desk.undo, change.faq_id, change.file, change.before, change.after, name
    )
    await _record(request, outcome, f"undo #{change.id}")
    if outcome.published:
        later = await asyncio.to_thread(store.changes, 1)
        await asyncio.to_thread(store.mark_undone, change.id, later[0].id if later else 0)
    return outcome, 200 if outcome.ok else 409


async def _retire(request: web.Request) -> web.Response:
    posted = await request.post()
    outcome, status = await _retire_or_undo(request, {"faq_id": str(posted.get("faq_id", ""))})
    return _render(request, "done.html", status=status, outcome=outcome, action="retire")


async def _undo(request: web.Request) -> web.Response:
    posted = await request.post()
    body = {"change_id": str(posted.get("change_id", ""))}
    outcome, status = await _retire_or_undo(request, body)
    return _render(request, "done.html", status=status, outcome=outcome, action="undo")


# --- JSON API (the same, for scripts and tests) ----------------------------------------------


async def _api_me(request: web.Request) -> web.Response:
    session = request[SESSION]
    body = {"name": session.user.name, "role": session.user.role, "csrf": session.csrf}
    return web.json_response(body, headers=_NO_STORE)


async def _api_unanswered(request: web.Request) -> web.Response:
    grouping = await asyncio.to_thread(request.app[DESK].grouping, request.app[STORE])
    groups = [{**asdict(g), "size": g.size, "key": g.key} for g in grouping.groups]
    return web.json_response(
        {"by_meaning": grouping.by_meaning, "groups": groups}, headers=_NO_STORE
    )


async def _json_form(request: web.Request) -> dict[str, str] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return {name: str(body.get(name) or "") for name in FORM_FIELDS}


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "errors": outcome.errors,
        "warnings": outcome.warnings,
        "faq_id": outcome.faq_id,
        "published": outcome.published,
        "live": outcome.live,
        "lines": outcome.lines,
        "failure": outcome.failure,
        "unreached": outcome.unreached,
    }


async def _api_check(request: web.Request) -> web.Response:
    form = await _json_form(request)
    if form is None:
        return _json_error(400, "invalid_json")
    outcome, status = await _run_answer(request, form, publish=False)
    return web.json_response(_outcome_json(outcome), status=status, headers=_NO_STORE)


async def _api_faq(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(request.app[DESK].entries, request.query.get("q", "")[:200])
    body = [entry_json(e) for e in found]
    return web.json_response({"entries": body}, headers=_NO_STORE)


async def _api_changes(request: web.Request) -> web.Response:
    changes = await asyncio.to_thread(request.app[STORE].changes)
    body = [
        {"id": c.id, "at": c.at, "by": c.name, "action": c.action, "faq_id": c.faq_id,
         "file": c.file, "undone_by": c.undone_by}
        for c in changes
    ]  # fmt: skip
    return web.json_response({"changes": body}, headers=_NO_STORE)


async def _api_retire(request: web.Request) -> web.Response:
    return await _api_retire_or_undo(request)


async def _api_undo(request: web.Request) -> web.Response:
    return await _api_retire_or_undo(request)


async def _editor_json(request: web.Request) -> dict[str, str] | web.Response:
    """An editor's JSON body, every value as text, or the refusal: 403 for a viewer, 400 for a
    body that is no JSON."""
    if not request[SESSION].user.can_publish:
        return _json_error(403, "viewer_only")
    try:
        raw: Any = await request.json()
    except ValueError:
        return _json_error(400, "invalid_json")
    return {k: str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


async def _api_retire_or_undo(request: web.Request) -> web.Response:
    body = await _editor_json(request)
    if isinstance(body, web.Response):
        return body
    outcome, status = await _retire_or_undo(request, body)
    return web.json_response(_outcome_json(outcome), status=status, headers=_NO_STORE)


async def _api_publish(request: web.Request) -> web.Response:
    if not request[SESSION].user.can_publish:
        return _json_error(403, "viewer_only")
    form = await _json_form(request)
    if form is None:
        return _json_error(400, "invalid_json")
    outcome, status = await _run_answer(request, form, publish=True)
    return web.json_response(_outcome_json(outcome), status=status, headers=_NO_STORE)

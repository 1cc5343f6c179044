"""The console's test chat routes (docs/console.md, "Test chat"; the path logic: try_chat.py).

Page /admin/try (?q= a question to fill in, ?chat_lang=id|en), form posts /admin/try (csrf,
message, or payload for a reply's button, chat_lang) and /admin/try/new (csrf). JSON:
POST /admin/api/try {"message", "lang": "id" | "en" | null} → {"reply", "path"}, and
POST /admin/api/try/new. Anyone logged in may use it (viewers too: it changes nothing). The
guard in routes.py lets nothing through without a session, nor a POST without its CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from typing import Any

from aiohttp import web

from admin.console.routes import (
    _NO_STORE,
    DESK,
    PREFIX,
    SESSION,
    SESSION_COOKIE,
    _json_error,
    _language,
    _redirect,
    _render,
)
from admin.console.try_chat import (
    TryChat,
    TryChats,
    Turn,
    ask,
    erase,
    is_follow_up,
    last_turn,
)
from bot.app_keys import RASA_CLIENT, SENDER_LIMITER, SETTINGS
from bot.i18n import Language, as_language, choose_language, text
from bot.logging_setup import fields
from bot.rasa_client import UpstreamError

log = logging.getLogger("admin.console")

TRY_CHATS = web.AppKey("console_try_chats", TryChats)
SWEEP_SECONDS = 300.0


def add_try_routes(console: web.Application) -> None:
    console[TRY_CHATS] = TryChats()
    routes = console.router
    routes.add_get("/try", _try_page)
    routes.add_post("/try", _try_post)
    routes.add_post("/try/new", _try_new_post)
    routes.add_post("/api/try", _api_try)
    routes.add_post("/api/try/new", _api_try_new)
    console.on_startup.append(_start_sweeping)
    # The sub-application's shutdown runs before the main one closes the HTTP session.
    console.on_shutdown.append(_erase_all)


def _key(request: web.Request) -> str:
    """The session's test chat, by a hash of its cookie (the guard has checked it)."""
    return hashlib.sha256(request.cookies.get(SESSION_COOKIE, "").encode()).hexdigest()


class Refused(Exception):
    def __init__(self, status: int, key: str, **params: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


def _faq_ids(request: web.Request) -> set[str]:
    return {entry.faq_id for entry in request.app[DESK].entries()}


async def _run_turn(request: web.Request, message: str, hint: Language | None) -> Turn:
    """One question through Rasa in the session's test conversation; raises Refused."""
    message = message.strip()
    if not message:
        raise Refused(400, "try_error_empty")
    settings = request.config_dict[SETTINGS]
    if len(message) > settings.max_message_chars:
        raise Refused(413, "try_error_long", n=settings.max_message_chars)
    client = request.config_dict[RASA_CLIENT]
    chats = request.app[TRY_CHATS]
    chats.client = client
    await erase(client, chats.idle())
    chat = chats.open(_key(request))
    if wait := await request.config_dict[SENDER_LIMITER].take(chat.sender):
        raise Refused(429, "try_error_busy", n=math.ceil(wait))
    language = choose_language(hint, message)
    try:
        reply, tracker = await ask(client, chat, message, language, hint)
    except UpstreamError as error:
        log.warning("console test chat failed upstream", extra=fields(error=str(error)))
        raise Refused(503, "try_error_upstream") from None
    record = (reply.ref or "").removeprefix("faq:")
    entry = bool(record) and record in await asyncio.to_thread(_faq_ids, request)
    follow_up = is_follow_up(chat, message)
    turn = Turn(_shown(chat, message), reply, last_turn(tracker), entry, follow_up)
    chat.add(turn)
    path = turn.path("en")
    # Which path, never the words asked (LOG_LEVEL=DEBUG logs no text here either).
    log.info(
        "console test chat",
        extra=fields(account=request[SESSION].user.name, path=path.kind, flow=path.flow),
    )
    return turn


def _shown(chat: TryChat, message: str) -> str:
    """What the page shows as asked: a button's title rather than its payload."""
    if chat.turns and message.startswith("/"):
        for reply_message in chat.turns[-1].reply.messages:
            for button in reply_message.buttons:
                if button.payload == message:
                    return button.title
    return message


async def forget_session_chat(request: web.Request) -> None:
    """Erase the session's test conversation (on "new test chat" and on logout)."""
    chat = request.app[TRY_CHATS].pop(_key(request))
    if chat is not None:
        await erase(request.config_dict[RASA_CLIENT], [chat])


async def _start_sweeping(console: web.Application) -> None:
    chats = console[TRY_CHATS]
    chats.sweeper = asyncio.create_task(_sweep(chats))


async def _sweep(chats: TryChats) -> None:
    """Erase the test conversations unused for an hour, even if nobody asks again."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        if chats.client is not None:
            await erase(chats.client, chats.idle())


async def _erase_all(console: web.Application) -> None:
    chats = console[TRY_CHATS]
    if chats.sweeper is not None:
        chats.sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chats.sweeper
    if chats.client is not None:
        await erase(chats.client, chats.all())


# --- the page --------------------------------------------------------------------------------


async def _try_page(request: web.Request) -> web.Response:
    chat = request.app[TRY_CHATS].get(_key(request))
    error = None
    language = _language(request)
    if chat is not None and chat.error is not None:
        key, params = chat.error
        error, chat.error = text(key, language, **params), None
    turns = [(turn, turn.path(language)) for turn in chat.turns] if chat else []
    return _render(
        request,
        "try.html",
        turns=turns,
        dropped=chat.dropped if chat else 0,
        error=error,
        prefill=request.query.get("q", "")[: request.config_dict[SETTINGS].max_message_chars],
        max_chars=request.config_dict[SETTINGS].max_message_chars,
        chat_lang=as_language(request.query.get("chat_lang")) or "",
    )


async def _try_post(request: web.Request) -> web.StreamResponse:
    posted = await request.post()
    payload, typed = str(posted.get("payload", "")), str(posted.get("message", ""))
    hint = as_language(posted.get("chat_lang"))
    try:
        await _run_turn(request, payload or typed, hint)
    except Refused as refused:
        # Said once on the page the redirect leads to, in that page's language.
        request.app[TRY_CHATS].open(_key(request)).error = (refused.key, refused.params)
    query = f"?chat_lang={hint}" if hint else ""
    return _redirect(f"{PREFIX}/try{query}#latest")


async def _try_new_post(request: web.Request) -> web.StreamResponse:
    await forget_session_chat(request)
    return _redirect(f"{PREFIX}/try")


# --- JSON ------------------------------------------------------------------------------------


async def _api_try(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _json_error(400, "invalid_json")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return _json_error(400, "message_required")
    try:
        turn = await _run_turn(request, body["message"], as_language(body.get("lang")))
    except Refused as refused:
        return _json_error(refused.status, refused.key.removeprefix("try_error_"))
    answer = {"reply": turn.reply.to_json(), "path": turn.path(_language(request)).to_json()}
    return web.json_response(answer, headers=_NO_STORE)


async def _api_try_new(request: web.Request) -> web.Response:
    await forget_session_chat(request)
    return web.json_response({"erased": True}, headers=_NO_STORE)

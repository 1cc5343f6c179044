"""GET /health: 200 once Rasa, the action server and its index are all ready, else 503.

Anyone may ask, so the public answer says only whether each component is ready
(`{"ready": bool}`). With `Authorization: Bearer $DUTA_ADMIN_TOKEN` each component also gives its
details when ready (model, index summary) and `error` (why not) otherwise. The
index part is a summary of the action server's manifest: its scalar fields, lists as their length.
With several Rasa servers (docs/deploy.md), `rasa` is ready while at least one of them is, since
the gateway sends each message to one that answers, and `rasa.servers` lists each in RASA_URL order.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from aiohttp import web

from bot.app_keys import RASA_CLIENT, SETTINGS
from bot.rasa_client import RasaClient, UpstreamError, UpstreamUnavailable

COMPONENTS = ("rasa", "action_server", "index")
_NO_STORE = {"Cache-Control": "no-store"}
_RASA_REASONS = {409: "no model loaded", 401: "RASA_TOKEN rejected", 403: "RASA_TOKEN rejected"}


async def health(request: web.Request) -> web.Response:
    client = request.app[RASA_CLIENT]
    states = await asyncio.gather(_rasa(client), _action_server(client), _index(client))
    report: dict[str, Any] = dict(zip(COMPONENTS, states, strict=True))
    not_ready = [name for name in COMPONENTS if not report[name]["ready"]]
    if not is_admin(request, request.app[SETTINGS].admin_token):
        report = {name: {"ready": state["ready"]} for name, state in report.items()}
    if not_ready:
        body = {"status": "unavailable", "not_ready": not_ready, **report}
        return web.json_response(body, status=503, headers=_NO_STORE)
    return web.json_response({"status": "ok", **report}, headers=_NO_STORE)


def is_admin(request: web.Request, admin_token: str | None) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(admin_token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), (admin_token or "").encode())
    )


async def _rasa(client: RasaClient) -> dict[str, Any]:
    servers = await asyncio.gather(
        *(_rasa_server(client, index) for index in range(client.rasa_server_count))
    )
    if len(servers) == 1:
        return servers[0]
    ready = [server for server in servers if server["ready"]]
    numbered = [{"server": number, **state} for number, state in enumerate(servers, start=1)]
    if not ready:
        return {"ready": False, "error": "no Rasa server ready", "servers": numbered}
    summary = {key: value for key, value in ready[0].items() if key != "ready"}
    return {"ready": True, **summary, "servers": numbered}


async def _rasa_server(client: RasaClient, index: int) -> dict[str, Any]:
    try:
        status = await client.rasa_status(index)
    except UpstreamError as error:
        return _not_ready(error, _RASA_REASONS)
    return {
        "ready": True,
        "model_id": status.get("model_id"),
        "model_file": status.get("model_file"),
    }


async def _action_server(client: RasaClient) -> dict[str, Any]:
    try:
        await client.action_server_health()
    except UpstreamError as error:
        return _not_ready(error)
    return {"ready": True}


async def _index(client: RasaClient) -> dict[str, Any]:
    try:
        manifest = await client.index_status()
    except UpstreamError as error:
        return _not_ready(error, {503: "index not loaded yet"})
    return {**summarize_manifest(manifest), "ready": True}


def _not_ready(error: UpstreamError, reasons: dict[int, str] | None = None) -> dict[str, Any]:
    if isinstance(error, UpstreamUnavailable):
        reason = f"not reachable ({error.detail})"
    else:
        reason = (reasons or {}).get(error.status or 0, error.detail)
    return {"ready": False, "error": reason}


def summarize_manifest(manifest: dict[str, Any], depth: int = 2) -> dict[str, Any]:
    """Small enough for a health answer: per-file lists (checksums, ...) become counts."""
    summary: dict[str, Any] = {}
    for key, value in manifest.items():
        if isinstance(value, list):
            summary[key] = len(value)
        elif isinstance(value, dict):
            if depth > 1:
                summary[key] = summarize_manifest(value, depth - 1)
        else:
            summary[key] = value
    return summary

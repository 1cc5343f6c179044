"""Telling a running stack to pick up new knowledge: the action server's POST /index/reload and
Rasa's PUT /model. Both are token-protected; tokens come only from the environment."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_ACTION_URL = "http://127.0.0.1:5055"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
RELOAD_TIMEOUT = 120.0  # reading and checking an index takes seconds; a busy machine, more
MODEL_TIMEOUT = 300.0  # Rasa loads TensorFlow graphs


class StackUnreachable(ConnectionError):
    """Nothing listens at the address: no running stack to reload (not an error by itself)."""


class StackRefused(RuntimeError):
    """The server answered but did not do it; the message says why, as the server put it."""


@dataclass
class StackTarget:
    action_urls: list[str]
    admin_token: str | None
    rasa_urls: list[str]
    rasa_token: str | None

    @classmethod
    def from_env(cls) -> StackTarget:
        # Several action servers and Rasa servers (scale-out) may be listed, comma separated.
        return cls(
            action_urls=_urls("ACTION_SERVER_URL", DEFAULT_ACTION_URL),
            admin_token=os.environ.get("DUTA_ADMIN_TOKEN", "").strip() or None,
            rasa_urls=_urls("RASA_URL", DEFAULT_RASA_URL),
            rasa_token=os.environ.get("RASA_TOKEN", "").strip() or None,
        )


def _urls(variable: str, default: str) -> list[str]:
    value = os.environ.get(variable, "").strip() or default
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


def _request(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")[:300]
        return error.code, body
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            raise StackUnreachable(f"nothing listens at {request.full_url}") from error
        raise StackRefused(f"{request.full_url}: {error.reason}") from error
    except ConnectionRefusedError as error:
        raise StackUnreachable(f"nothing listens at {request.full_url}") from error
    except TimeoutError as error:
        raise StackRefused(f"{request.full_url}: no answer within {timeout:.0f} s") from error


def _why(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error") or body.get("message") or body.get("reason")
        if isinstance(error, dict):
            error = error.get("message")
        return str(error or body)
    return str(body)


def reload_action_server(url: str, token: str | None, version: str | None) -> dict[str, Any]:
    """Make the action server at url serve index version `version` (None: `current`)."""
    if not token:
        # Still ask: a server that is not running is not an error, a running one needs the token.
        token = ""
    request = urllib.request.Request(
        f"{url}/index/reload",
        data=json.dumps({"version": version}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    status, body = _request(request, RELOAD_TIMEOUT)
    if status != 200:
        hint = ""
        if status in (401, 403):
            hint = " (set DUTA_ADMIN_TOKEN to the running stack's value)"
        raise StackRefused(f"action server {url} answered {status}: {_why(body)}{hint}")
    return body if isinstance(body, dict) else {}


def rasa_load_model(url: str, token: str | None, model_file: str) -> None:
    """PUT /model: Rasa swaps its agent; conversations stay in the tracker store."""
    query = f"?token={urllib.parse.quote(token)}" if token else ""
    request = urllib.request.Request(
        f"{url}/model{query}",
        data=json.dumps({"model_file": model_file}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    status, body = _request(request, MODEL_TIMEOUT)
    if status not in (200, 204):
        hint = " (set RASA_TOKEN to the running stack's value)" if status in (401, 403) else ""
        raise StackRefused(f"Rasa {url} did not load {model_file}: {status} {_why(body)}{hint}")

"""Telling a running stack to pick up new knowledge: the action server's POST /index/reload and
Rasa's PUT /model. Both are token-protected; tokens come only from the environment."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.paths import PROJECT_ROOT

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
        """Where the running stack is and its tokens: the environment, else what `make run`
        wrote for other shells (stack_file()), else the defaults.

        Every action server is reloaded: DUTA_ACTION_SERVERS lists them (comma separated; each
        one, not a load balancer, which would reach only one), else ACTION_SERVER_URL (one, or
        several comma separated). Several Rasa servers: RASA_URL, comma separated."""
        wired = read_stack_file()
        named = os.environ.get("DUTA_ACTION_SERVERS", "") or os.environ.get("ACTION_SERVER_URL", "")
        running = wired.get("DUTA_ACTION_SERVERS") or wired.get("ACTION_SERVER_URL", "")
        if named.strip() and running and _urls(named) != _urls(running):
            wired = {}  # the environment names another stack: make run's tokens are not its

        def value(name: str) -> str:
            return os.environ.get(name, "").strip() or wired.get(name, "")

        actions = value("DUTA_ACTION_SERVERS") or value("ACTION_SERVER_URL")
        return cls(
            action_urls=_urls(actions or DEFAULT_ACTION_URL),
            admin_token=value("DUTA_ADMIN_TOKEN") or None,
            rasa_urls=_urls(value("RASA_URL") or DEFAULT_RASA_URL),
            rasa_token=value("RASA_TOKEN") or None,
        )


def _urls(value: str) -> list[str]:
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]


# `make run` (deploy/stack.py) writes the running stack's addresses and per-run tokens here,
# owner-only, and removes the file when it stops: `make retrain` and `faq add --retrain` from
# another shell then reach it without copying tokens into .env.
STACK_FILE_NAME = "stack.env"
STACK_FILE_KEYS = (
    "DUTA_ADMIN_TOKEN", "RASA_TOKEN", "ACTION_SERVER_URL", "DUTA_ACTION_SERVERS", "RASA_URL",
)  # fmt: skip


def stack_file(environ: Mapping[str, str] | None = None) -> Path:
    """DUTA_STACK_FILE, else beside the tracker database (var/stack.env), where make run's
    private files live."""
    env = os.environ if environ is None else environ
    configured = env.get("DUTA_STACK_FILE", "").strip()
    if configured:
        return Path(configured)
    tracker = env.get("DUTA_TRACKER_DB", "").strip()
    folder = Path(tracker).parent if tracker else PROJECT_ROOT / "var"
    return folder / STACK_FILE_NAME


def read_stack_file() -> dict[str, str]:
    path = stack_file()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:  # no stack started by make run: nothing wired
        return {}
    pairs = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip() in STACK_FILE_KEYS}


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

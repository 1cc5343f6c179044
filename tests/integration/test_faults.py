"""Faults on the real stack: the action server killed mid-conversation, a damaged index.

Rasa killed and the whole stack restarted: test_restart.py (one Rasa restart serves both).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.i18n import text
from deploy.stack import Stack, StackConfig, free_port
from knowledge.paths import default_index_dir
from knowledge.store import IndexCorruptError, activate, current_version, read_version

from .conftest import Reply, RunningStack

pytestmark = pytest.mark.integration

ICDD_DATE = "16 November 2021"


def test_action_server_killed_mid_conversation_apologises_then_recovers(
    running_stack: RunningStack,
) -> None:
    tag = uuid.uuid4().hex[:8]
    english, indonesian = f"fault-en-{tag}", f"fault-id-{tag}"
    assert running_stack.chat(english, "hello").status == 200
    assert running_stack.chat(indonesian, "halo").status == 200

    stack = running_stack.stack
    # Killed while a question is on its way: whichever wins, the user gets a proper reply.
    in_flight: list[Reply] = []
    asking = threading.Thread(
        target=lambda: in_flight.append(running_stack.chat(english, "When was the ICDD held?"))
    )
    try:
        asking.start()
        stack.kill("action_server")
        asking.join(60)
        [racing] = in_flight
        assert racing.status == 200, racing.body
        assert racing.body["language"] == "en" and racing.body["messages"]

        down_en = running_stack.chat(english, "When was the ICDD held?")
        down_id = running_stack.chat(indonesian, "Kapan ICDD diadakan?")
        for reply, language in [(down_en, "en"), (down_id, "id")]:
            assert reply.status == 200, reply.body  # an apology, not a 5xx
            assert reply.body["language"] == language
            assert reply.body["fallback"] is True
            assert reply.text == text("no_answer", language)

        health = running_stack.get("/health")
        assert health.status == 503
        assert "action_server" in health.body["not_ready"]
        assert "rasa" not in health.body["not_ready"]
    finally:
        if "action_server" not in stack.processes:
            stack.start("action_server")
        stack.wait_healthy()

    # The same conversations go on, answered again, in their languages.
    back_en = running_stack.chat(english, "When was the ICDD held?")
    back_id = running_stack.chat(indonesian, "Kapan ICDD diadakan?")
    assert back_en.status == 200 and back_en.body["language"] == "en"
    assert back_id.status == 200 and back_id.body["language"] == "id"
    assert ICDD_DATE in back_id.text, back_id.text
    assert back_id.body["fallback"] is False and back_en.body["fallback"] is False
    said = [e["text"] for e in running_stack.tracker(f"api:{indonesian}")["events"]
            if e["event"] == "user"]  # fmt: skip
    assert said == ["halo", "Kapan ICDD diadakan?", "Kapan ICDD diadakan?"]


def _copy_version(source: Path, root: Path, name: str) -> Path:
    target = root / "versions" / name
    shutil.copytree(source, target)
    return target


def _half_written(version: Path) -> None:
    # A build killed before its manifest was written (the manifest is always written last).
    (version / "manifest.json").unlink()
    vectors = version / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])


def _flipped_bytes(version: Path) -> None:
    data = bytearray((version / "vectors.faiss").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (version / "vectors.faiss").write_bytes(bytes(data))


def _truncated_units(version: Path) -> None:
    units = version / "units.jsonl"
    units.write_bytes(units.read_bytes()[:-200])


def _garbled_manifest(version: Path) -> None:
    manifest = version / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8")[:100], encoding="utf-8")


DAMAGES = [_half_written, _flipped_bytes, _truncated_units, _garbled_manifest]


def _action_server_json(
    port: int, path: str, payload: object = None, token: str | None = None
) -> tuple[int, dict]:
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _index_status(port: int, timeout: float = 300.0) -> tuple[int, dict]:
    """The action server's /index/status once it has finished loading (or failed to)."""
    deadline = time.monotonic() + timeout
    status, body = 0, {"error": "not started"}
    while time.monotonic() < deadline:
        with contextlib.suppress(urllib.error.URLError, ConnectionError):  # not listening yet
            status, body = _action_server_json(port, "/index/status")
        if status and body.get("error") != "loading":
            break
        time.sleep(0.5)
    return status, body


def test_a_damaged_index_is_refused_and_the_previous_keeps_serving(tmp_path: Path) -> None:
    good = current_version(default_index_dir())
    assert good is not None, "make setup builds the index"
    root = tmp_path / "index"
    activate(root, _copy_version(good, root, good.name))
    damaged = []
    for n, damage in enumerate(DAMAGES):
        version = _copy_version(good, root, f"99990101T00000{n}Z-{damage.__name__[1:]}")
        damage(version)
        damaged.append(version)
        with pytest.raises(IndexCorruptError):
            read_version(version)

    # A real action server answering from the good version is asked to swap in each damaged one.
    token = secrets.token_urlsafe(16)
    config = StackConfig(
        rasa_port=free_port(),  # only the action server is started here
        action_port=free_port(),
        gateway_port=free_port(),
        tracker_db=tmp_path / "tracker.db",
        log_dir=tmp_path / "log",
        extra_env={"DUTA_INDEX_DIR": str(root), "DUTA_ADMIN_TOKEN": token},
    )
    port = config.action_port
    stack = Stack(config)
    stack.start("action_server")
    try:
        status, body = _index_status(port)
        assert status == 200 and body["version"] == good.name, body
        for version in damaged:
            status, body = _action_server_json(
                port, "/index/reload", {"version": version.name}, token
            )
            assert status == 422, body
            assert "IndexCorruptError" in body["error"]["message"], body
            assert "previous index keeps serving" in body["error"]["message"]
            status, body = _index_status(port)
            assert status == 200 and body["version"] == good.name, "still the good one"

        # `current` itself now points at a damaged version (say, a disk error after the swap):
        # a reload of `current` is refused the same way ...
        activate(root, damaged[-1])
        status, body = _action_server_json(port, "/index/reload", {"version": None}, token)
        assert status == 422 and _index_status(port)[1]["version"] == good.name
        # ... and an action server started on it passes it over for the newest version that
        # passes its checks, and says why.
        stack.stop("action_server")
        stack.start("action_server")
        status, body = _index_status(port)
        assert status == 200 and body["version"] == good.name, body
        assert damaged[-1].name in body["current_refused"], body
    finally:
        stack.stop_all()

"""The action server: /index/status before and after loading, and a real `python -m actions`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from actions.knowledge_base import ServedKnowledge

ROOT = Path(__file__).resolve().parents[2]


def test_status_is_503_until_loaded_then_the_manifest() -> None:
    assert ServedKnowledge().status() == (503, {"loaded": False, "error": "loading"})
    served = ServedKnowledge(SimpleNamespace(manifest={"content_hash": "abc"}))
    assert served.status() == (200, {"content_hash": "abc"})


def test_failed_load_is_reported_not_raised(tmp_path: Path) -> None:
    served = ServedKnowledge()
    assert served.load(str(tmp_path / "no-index")) is None
    code, body = served.status()
    assert code == 503 and body["loaded"] is False and body["error"] != "loading"
    assert served.wait(0) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict | list]:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_python_m_actions_serves_health_actions_and_index_status(tmp_path: Path) -> None:
    port = _free_port()
    token = "action-token-for-this-test"
    env = {
        **os.environ,
        "ACTION_SERVER_PORT": str(port),
        "DUTA_INDEX_DIR": str(tmp_path),
        "ACTION_SERVER_TOKEN": token,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "actions"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _get(f"{base}/health") == (200, {"status": "ok"})
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "action server did not start"
                time.sleep(0.3)
        # Only Rasa, with the token, may list or run actions; no browser may call at all.
        assert _get(f"{base}/actions")[0] == 401
        assert _get(f"{base}/actions", {"Authorization": "Bearer wrong"})[0] == 401
        code, actions = _get(f"{base}/actions", {"Authorization": f"Bearer {token}"})
        assert code == 200 and {"name": "action_answer_from_knowledge"} in actions
        webhook = urllib.request.Request(
            f"{base}/webhook",
            data=json.dumps({"next_action": "action_answer_from_knowledge"}).encode(),
            headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(webhook, timeout=5)
        assert refused.value.code == 401
        assert "Access-Control-Allow-Origin" not in refused.value.headers
        # An empty index folder: the server stays up and says why it cannot answer.
        deadline = time.monotonic() + 60
        while (status := _get(f"{base}/index/status"))[1].get("error") == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert status[0] == 503 and status[1]["loaded"] is False
    finally:
        server.terminate()
        server.wait(timeout=30)

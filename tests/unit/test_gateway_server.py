"""`python -m bot` as a process: starts, serves, stops cleanly on SIGTERM, refuses bad settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from deploy.stack import free_port

from .test_gateway_support import running_gateway

ROOT = Path(__file__).resolve().parents[2]


def _gateway_process(**env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=os.environ | {"RASA_URL": f"http://127.0.0.1:{free_port()}",
                          "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}"} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def _wait_for_health(port: int, process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("gateway did not start")


def test_serves_then_stops_cleanly_on_sigterm() -> None:
    port = free_port()
    process = _gateway_process(GATEWAY_PORT=str(port), LOG_SALT="s" * 16)
    try:
        assert _wait_for_health(port, process) == 503
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    logs = [json.loads(line)["msg"] for line in output.splitlines()]
    assert logs[0] == "listening" and logs[-1] == "stopped"


def test_invalid_settings_exit_2_with_a_message() -> None:
    process = _gateway_process(GATEWAY_PORT="http", MAX_BODY_BYTES="-5")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "GATEWAY_PORT='http'" in output and "MAX_BODY_BYTES='-5'" in output


def test_a_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = _gateway_process(GATEWAY_PORT=str(taken.getsockname()[1]))
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "cannot listen" in output


async def test_static_files_are_served_and_confined() -> None:
    async with running_gateway() as client:
        # One path per file (/widget.js, /demo/...): no generic /static/ route.
        assert (await client.get("/static/.gitkeep")).status == 404
        escaped = await client.get("/static/../config.py")
        assert escaped.status in (403, 404)
        assert (await client.get("/static/widget-that-does-not-exist.js")).status == 404
        unknown = await client.get("/no-such-page")
        assert unknown.status == 404
        assert (await unknown.json())["error"]["code"] == "not_found"


async def test_wrong_method_is_a_json_405_with_allow() -> None:
    async with running_gateway() as client:
        response = await client.get("/api/chat", headers={"Accept-Language": "en"})
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert "not supported" in (await response.json())["error"]["message"]

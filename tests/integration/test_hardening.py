"""The internal doors and what is kept, on the real stack: Rasa answers only the gateway's token,
with the gateway's limits, before NLU runs; the action server answers only Rasa; logs hold no user
text and no forged lines; malformed HTTP gets JSON; files are private; tokens are not on any
command line; conversations can be erased one by one and by age.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import text
from deploy.stack import APP_PYTHON, ROOT

from .conftest import RunningStack

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"hard-{uuid.uuid4().hex[:12]}"


def channel_post(
    stack: RunningStack,
    body: bytes,
    token: str | None,
    content_type: str = "application/json",
    path: str = "/webhooks/duta/webhook",
) -> tuple[int, Any, float]:
    """A request straight to Rasa's port, as someone who reached it would send it."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(stack.config.rasa_url + path, data=body, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    elapsed = time.perf_counter() - started
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, raw, elapsed


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def tracker_rows(stack: RunningStack, rasa_sender: str) -> int:
    with sqlite3.connect(stack.config.tracker_db) as db:
        return db.execute(
            "SELECT count(*) FROM events WHERE sender_id = ?", (rasa_sender,)
        ).fetchone()[0]


def message(sender: str, text_: str) -> bytes:
    return json.dumps({"sender": sender, "message": text_, "metadata": {"channel": "api"}}).encode()


def test_rasa_channel_answers_only_the_gateway_token(running_stack: RunningStack) -> None:
    body = message(f"api:{new_sender()}", "halo")
    for token in (None, "", "wrong-token", running_stack.config.rasa_token + "x"):
        status, answer, _ = channel_post(running_stack, body, token)
        assert status == 401, (token, answer)
    status, answer, _ = channel_post(running_stack, body, running_stack.config.rasa_token)
    assert status == 200 and any(m.get("text") for m in answer), answer


def test_rasa_stock_rest_channel_is_off(running_stack: RunningStack) -> None:
    body = message(f"api:{new_sender()}", "halo")
    status, _, _ = channel_post(running_stack, body, None, path="/webhooks/rest/webhook")
    assert status == 404


def test_a_100_kb_message_is_refused_before_nlu(running_stack: RunningStack) -> None:
    pid = running_stack.stack.processes["rasa"].pid
    before = rss_mib(pid)
    huge = message(f"api:{new_sender()}", "visa " * 20_000)  # 100 KB: 13 GB of NLU tensors once
    for token in (None, running_stack.config.rasa_token):
        status, answer, elapsed = channel_post(running_stack, huge, token)
        assert status == (401 if token is None else 413), answer
        assert elapsed < 0.1, f"refused after {elapsed * 1000:.0f} ms"
    # Plain text is not a way around it, nor is a text just over the gateway's limit.
    token = running_stack.config.rasa_token
    assert channel_post(running_stack, b"visa", token, "text/plain")[0] == 415
    over = message(f"api:{new_sender()}", "a" * 1001)
    assert channel_post(running_stack, over, token)[0] == 413
    assert rss_mib(pid) - before < 50


def test_only_domain_payloads_are_read_as_intents(running_stack: RunningStack) -> None:
    token = running_stack.config.rasa_token
    sender = f"api:{new_sender()}"
    status, _, _ = channel_post(running_stack, message(sender, "/no_such_intent"), token)
    assert status == 200
    latest = running_stack.tracker(sender)["latest_message"]
    assert latest["intent"]["name"] != "no_such_intent"
    assert latest["text"] == "no_such_intent", "read as the words a person typed"
    # A payload a domain button carries is still one.
    channel_post(running_stack, message(sender, '/inform{"visa_purpose": "tourism"}'), token)
    latest = running_stack.tracker(sender)["latest_message"]
    assert latest["intent"]["name"] == "inform"
    # An entity the domain does not know makes it words again.
    channel_post(running_stack, message(sender, '/inform{"password": "x"}'), token)
    assert running_stack.tracker(sender)["latest_message"]["text"] == 'inform{"password": "x"}'


def test_restart_typed_in_the_widget_says_a_new_conversation_began(
    running_stack: RunningStack,
) -> None:
    sender = new_sender()
    running_stack.chat(sender, "hello")
    reply = running_stack.chat(sender, "/restart", lang="en")
    assert reply.status == 200, reply.body
    assert reply.body["fallback"] is False
    assert reply.text == text("conversation_restarted", "en")


def test_forged_log_lines_and_user_text_stay_out_of_every_log(running_stack: RunningStack) -> None:
    marker = uuid.uuid4().hex
    forged = f"/ask_visa\n2026-12-06 12:00:00 ERROR rasa.core FORGED-{marker}\nsecret {marker}"
    sender = new_sender()
    assert running_stack.chat(sender, forged).status == 200
    assert running_stack.chat(sender, f"/{marker}\n\r\x1b[31m{marker}").status == 200
    token = running_stack.config.rasa_token
    channel_post(running_stack, message(f"api:{sender}", forged), token)
    time.sleep(1.0)  # log lines are written as the turn ends
    for log in running_stack.config.log_dir.glob("*.log"):
        content = log.read_text(errors="replace")
        assert marker not in content, f"user text in {log.name}"
        assert not any(line.startswith("2026-12-06 12:00:00") for line in content.splitlines())


def test_action_server_runs_actions_only_for_rasa(running_stack: RunningStack) -> None:
    base = f"http://127.0.0.1:{running_stack.config.action_port}"
    call = {"next_action": "action_answer_from_knowledge", "sender_id": "x", "tracker": {}}
    for token in (None, "wrong", running_stack.config.rasa_token):
        headers = {"Content-Type": "application/json", "Origin": "https://evil.example"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{base}/webhook", data=json.dumps(call).encode(), headers=headers
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert "Access-Control-Allow-Origin" not in refused.value.headers


def _access_lines(stack: RunningStack) -> list[dict[str, Any]]:
    lines = (stack.config.log_dir / "gateway.log").read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if '"msg": "access"' in line]


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n{SECRETBODY}\r\n0\r\n\r\n",
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5\r\n\r\nabcdefgh SECRETBODY\r\n\r\n",
    ],
    ids=["bad-chunk-size", "wrong-content-length"],
)
def test_malformed_http_gets_json_400_and_one_access_line(
    running_stack: RunningStack, raw: bytes
) -> None:
    before = len(_access_lines(running_stack))
    connection = http.client.HTTPConnection("127.0.0.1", running_stack.config.gateway_port)
    connection.connect()
    assert connection.sock is not None
    connection.sock.sendall(raw)
    response = http.client.HTTPResponse(connection.sock)
    response.begin()
    body = response.read()
    connection.close()
    # The wrong Content-Length turns the rest of the bytes into a second, unparsable request.
    assert response.status in (400, 422), body
    assert response.getheader("Content-Type", "").startswith("application/json")
    assert json.loads(body)["error"]["code"]
    assert b"SECRETBODY" not in body
    time.sleep(0.5)
    log = (running_stack.config.log_dir / "gateway.log").read_text(errors="replace")
    assert "SECRETBODY" not in log and "Traceback" not in log
    assert len(_access_lines(running_stack)) - before in (1, 2)


def test_conversation_files_are_private(running_stack: RunningStack) -> None:
    running_stack.chat(new_sender(), "halo")
    files = [running_stack.config.tracker_db, *running_stack.config.log_dir.glob("*.log")]
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name}: {oct(path.stat().st_mode)}"


def test_no_token_on_any_command_line(running_stack: RunningStack) -> None:
    config = running_stack.config
    secrets = [config.rasa_token, config.action_token, config.extra_env["DUTA_ADMIN_TOKEN"]]
    for process in running_stack.stack.processes.values():
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in secrets:
            assert secret not in cmdline


def test_forget_erases_the_conversation(running_stack: RunningStack) -> None:
    sender, other = new_sender(), new_sender()
    for who in (sender, other):
        assert running_stack.chat(who, "Kapan ICDD diadakan?").status == 200
    assert tracker_rows(running_stack, f"api:{sender}") > 0
    reply = running_stack.post("/api/forget", {"sender": sender})
    assert reply.status == 200 and reply.body == {"forgotten": True}
    assert tracker_rows(running_stack, f"api:{sender}") == 0
    assert tracker_rows(running_stack, f"api:{other}") > 0, "only that conversation"
    again = running_stack.chat(sender, "hello")
    assert again.status == 200 and again.text
    bad = running_stack.post("/api/forget", {"sender": "no spaces allowed"})
    assert bad.status == 422 and bad.body["error"]["code"] == "invalid_sender"


def test_purge_erases_only_older_conversations(running_stack: RunningStack) -> None:
    old, recent = new_sender(), new_sender()
    for who in (old, recent):
        assert running_stack.chat(who, "halo").status == 200
    with sqlite3.connect(running_stack.config.tracker_db) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - 100 * 86400 WHERE sender_id = ?",
            (f"api:{old}",),
        )
    env = {
        **os.environ,
        "RASA_URL": running_stack.config.rasa_url,
        "RASA_TOKEN": running_stack.config.rasa_token,
    }
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "bot.privacy", "purge", "--days", "90"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conversations"] >= 1
    assert tracker_rows(running_stack, f"api:{old}") == 0
    assert tracker_rows(running_stack, f"api:{recent}") > 0


def test_slow_clients_are_timed_out(running_stack: RunningStack) -> None:
    """Headers must arrive within the idle timeout, a body within its own (bot/__main__.py,
    bot/chat_request.py): a client that trickles cannot hold a connection for good."""
    port = running_stack.config.gateway_port
    with socket.create_connection(("127.0.0.1", port), timeout=60) as slow_headers:
        slow_headers.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert slow_headers.recv(4096) == b"", "closed without an answer"
        assert time.monotonic() - started < 30
    with socket.create_connection(("127.0.0.1", port), timeout=60) as slow_body:
        slow_body.sendall(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Accept-Language: en\r\nContent-Length: 100\r\n\r\n{"sender": '
        )
        answer = slow_body.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), head
        assert json.loads(body)["error"]["code"] == "request_timeout"

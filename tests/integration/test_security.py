"""Rate limits, the origin allowlist, Rasa's token and personal data in logs, on the real stack."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.i18n import text

from .conftest import RunningStack
from .extra_gateway import extra_gateway

pytestmark = pytest.mark.integration

SITE = "https://kbri.example"


def user_events(running: RunningStack, sender: str) -> list[str]:
    events = running.tracker(f"api:{sender}")["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def test_rate_limits_per_sender_and_per_address(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    flooder, other, newcomer = f"flood-{tag}", f"calm-{tag}", f"new-{tag}"
    limits = {"RATE_LIMIT_SENDER_PER_MIN": "3", "RATE_LIMIT_IP_PER_MIN": "6"}
    with extra_gateway(running_stack, tmp_path / "log", **limits) as gateway:
        answers = [gateway.chat(flooder, f"hello {n}").status for n in range(3)]
        refused = gateway.chat(flooder, "hello again", lang="en")
        assert answers == [200, 200, 200]
        assert refused.status == 429, refused.body
        seconds = int(refused.body["error"]["message"].split(" in ")[1].split()[0])
        assert refused.body["error"]["message"] == text("rate_limited", "en", retry_after=seconds)
        assert 1 <= seconds <= 60  # until the first of the three is a minute old
        # The refused message never reached Rasa: nothing half-done in the conversation.
        assert user_events(gateway, flooder) == ["hello 0", "hello 1", "hello 2"]

        # Another sender from the same address has a budget of its own ...
        assert gateway.chat(other, "halo").status == 200
        assert gateway.chat(other, "Kapan ICDD diadakan?").status == 200
        # ... until the address has used its 6: an invented X-Forwarded-For does not reset it
        # (only trusted behind a proxy, TRUST_PROXY), and the refusal is in the user's language.
        spoofed = gateway.post(
            "/api/chat",
            {"sender": newcomer, "message": "Apakah saya perlu visa?", "lang": "id"},
            headers={"X-Forwarded-For": "203.0.113.7", "Accept-Language": "id"},
        )
        assert spoofed.status == 429, spoofed.body
        assert spoofed.body["error"]["message"].startswith("Mohon maaf, pesan Anda terlalu banyak")
        assert gateway.get("/health").status == 200, "only /api/ is limited"
    assert user_events(running_stack, newcomer) == [], "the refused message never reached Rasa"


def _request(url: str, method: str, origin: str | None, body: object = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if origin is not None:
        headers["Origin"] = origin
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
        headers["Access-Control-Request-Headers"] = "content-type"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {"headers": dict(response.headers), "body": response.read()}
    except urllib.error.HTTPError as error:
        return error.code, {"headers": dict(error.headers), "body": error.read()}


def test_only_allowed_origins_reach_the_assistant(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    with extra_gateway(
        running_stack, tmp_path / "log", ALLOWED_ORIGINS=SITE, RATE_LIMIT_IP_PER_MIN="0"
    ) as gateway:
        url = gateway.config.gateway_url + "/api/chat"
        status, preflight = _request(url, "OPTIONS", SITE)
        assert status == 204
        assert preflight["headers"]["Access-Control-Allow-Origin"] == SITE
        allowed = f"site-{tag}"
        status, answer = _request(url, "POST", SITE, {"sender": allowed, "message": "hello"})
        assert status == 200
        assert answer["headers"]["Access-Control-Allow-Origin"] == SITE
        assert json.loads(answer["body"])["messages"]
        assert user_events(gateway, allowed) == ["hello"]

        # Look-alikes of the allowed site, another scheme or port, and sandboxed frames ("null").
        intruders = [
            "https://kbri.example.evil.test",
            "https://evil-kbri.example",
            "http://kbri.example",
            "https://kbri.example:8443",
            "null",
        ]
        for n, origin in enumerate(intruders):
            status, preflight = _request(url, "OPTIONS", origin)
            assert status == 403, origin
            sender = f"intruder-{n}-{tag}"
            status, refused = _request(url, "POST", origin, {"sender": sender, "message": "hi"})
            assert status == 403, origin
            assert "Access-Control-Allow-Origin" not in refused["headers"]
            error = json.loads(refused["body"])["error"]
            assert error["code"] == "origin_not_allowed"
            assert error["message"] == text("origin_not_allowed", "en")
            assert user_events(gateway, sender) == [], "refused before reaching Rasa"


def test_rasas_http_api_and_model_reload_need_the_token(running_stack: RunningStack) -> None:
    base = running_stack.config.rasa_url
    requests = [
        urllib.request.Request(f"{base}/conversations/anyone/tracker"),
        urllib.request.Request(f"{base}/conversations/anyone/tracker?token=wrong-token"),
        urllib.request.Request(f"{base}/status"),
        # Replacing the model (PUT /model) is Rasa's reload endpoint.
        urllib.request.Request(
            f"{base}/model", data=b'{"model_file": "/tmp/x.tar.gz"}', method="PUT"
        ),
        urllib.request.Request(
            f"{base}/conversations/anyone/tracker/events",
            data=b'{"event": "restart"}',
            method="POST",
            headers={"Content-Type": "application/json"},
        ),
    ]
    for request in requests:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code in (401, 403), request.full_url
    # With the token the same API answers (the refusals above were about the token).
    assert running_stack.tracker("anyone")["sender_id"] == "anyone"


def test_no_sender_ids_or_message_text_in_any_log_at_info(running_stack: RunningStack) -> None:
    tag = uuid.uuid4().hex[:10]
    sender = f"privacy-{tag}"
    # Unusual words, so that finding them in a log can only mean this test's messages leaked.
    secret_words = [f"zq{tag}a", f"zq{tag}b", f"zq{tag}c", f"zq{tag}d"]
    messages = [
        (f"hello, my name is {secret_words[0]}", "en"),
        (f"Kapan ICDD diadakan? saya {secret_words[1]}", None),
        (f"my passport number is {secret_words[2]}, I lost it abroad", None),
    ]
    log_dir = running_stack.config.log_dir
    sizes = {path.name: path.stat().st_size for path in log_dir.glob("*.log")}
    assert set(sizes) >= {"gateway.log", "rasa.log", "action_server.log"}
    for message, lang in messages:
        assert running_stack.chat(sender, message, lang).status == 200
    refused = running_stack.post("/api/chat", {"sender": sender, "message": secret_words[3] * 200})
    assert refused.status == 413

    new_lines = {
        name: (log_dir / name).read_bytes()[size:].decode("utf-8", "replace")
        for name, size in sizes.items()
    }
    # The logs do record the traffic (so there was something to leak) ...
    assert new_lines["gateway.log"].count('"chat answered"') >= len(messages)
    # ... but not who sent it or what it said, in any of the three processes.
    for name, lines in new_lines.items():
        for personal in [sender, *secret_words]:
            assert personal not in lines, f"{personal!r} appears in {name}"

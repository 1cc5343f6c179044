"""Property-based bad input on /api/chat through a real gateway, Rasa and action server.

Whatever arrives (any bytes, sizes, encodings, JSON types, emoji, control characters, HTML- and
SQL-looking text), the answer is a clear JSON error (4xx, message in the user's language when it
can be told) or a normal answer: never a 5xx, never a crash. Hypothesis drives a second gateway on
the session stack's Rasa with the rate limits lifted, so the examples are not cut short by 429s.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat_request import InvalidChatRequest, parse_chat_body
from bot.i18n import text

from .conftest import RunningStack
from .extra_gateway import extra_gateway

pytestmark = pytest.mark.integration

MAX_BODY_BYTES = 2048  # small, so hypothesis reaches the limit easily
MAX_MESSAGE_CHARS = 300
ERROR_STATUSES = {400, 413, 415, 422}
HOSTILE_TEXT = [
    "<script>alert('x')</script>",
    '<img src=x onerror="fetch(`//evil.test`)">',
    "'; DROP TABLE events; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM conversations WHERE ('1'='1",
    "{{7*7}} ${7*7} %s %n %x",
    "../../etc/passwd",
    "/restart",
    '/inform{"language": "xx"}',
    "🇮🇩🙏🏽👨‍👩‍👧‍👦",
    "\u202eevil\u202c",
    "ﷺ\u0000\u001b[31m",
    "Kapan ICDD diadakan?",
    "hello",
]

settings.register_profile(
    "duta-stack",
    max_examples=80,
    deadline=None,
    database=None,  # no .hypothesis folder in the tree; a failure prints its example anyway
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def gateway(
    running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    env = {
        "RATE_LIMIT_SENDER_PER_MIN": "0",
        "RATE_LIMIT_IP_PER_MIN": "0",
        "MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        "MAX_MESSAGE_CHARS": str(MAX_MESSAGE_CHARS),
    }
    log_dir = tmp_path_factory.mktemp("bad-input-gateway")
    with extra_gateway(running_stack, log_dir, **env) as gateway:
        yield gateway
        # Nothing reached the catch-all: a 500 would have been logged as "unhandled error".
        log = (log_dir / "gateway.log").read_text(encoding="utf-8", errors="replace")
        assert "unhandled error" not in log and "Traceback" not in log


def post_raw(
    gateway: RunningStack, body: bytes, content_type: str | None, chunked: bool = False
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.config.gateway_port, timeout=60)
    headers = {"Accept-Language": "en"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        if chunked:
            connection.request("POST", "/api/chat", body=iter([body]), headers=headers,
                               encode_chunked=True)  # fmt: skip
        else:
            connection.request("POST", "/api/chat", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def check_answer(status: int, content_type: str, raw: bytes) -> dict[str, Any]:
    """A clear JSON error or an answer in the chat contract; returns the body."""
    assert status == 200 or status in ERROR_STATUSES, (status, raw[:300])
    assert content_type.startswith("application/json"), content_type
    body = json.loads(raw)
    if status == 200:
        assert body["language"] in ("id", "en")
        assert isinstance(body["fallback"], bool)
        assert body["messages"], "an answer always says something"
        for message in body["messages"]:
            assert isinstance(message["text"], str) and message["text"].strip()
            assert isinstance(message["buttons"], list) and isinstance(message["sources"], list)
    else:
        error = body["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and len(error["message"]) > 10
    return body


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
messages = st.one_of(
    st.text(max_size=MAX_MESSAGE_CHARS + 50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.sampled_from(HOSTILE_TEXT),
    st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=3).map(" ".join),
    st.builds(lambda s, n: s * n, st.sampled_from(HOSTILE_TEXT), st.integers(10, 40)),
    json_values,
)
valid_senders = st.from_regex(r"[A-Za-z0-9_.:-]{1,128}", fullmatch=True)
# Mostly valid senders, so that most examples get as far as Rasa and the action server.
senders = st.one_of(valid_senders, valid_senders, valid_senders, st.text(max_size=140), json_values)
langs = st.sampled_from([None, "id", "en", "EN", "fr", "", 1, ["id"]])


# With the bytes test and the channel's (test_channel_fuzz.py), over 2,000 examples a run.
@settings(settings.get_profile("duta-stack"), max_examples=1000)
@given(
    sender=senders,
    message=messages,
    lang=langs,
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=2),
    drop=st.sets(st.sampled_from(["sender", "message", "lang"]), max_size=1),
)
def test_any_json_payload_gets_an_answer_or_a_clear_error(
    gateway: RunningStack, sender: object, message: object, lang: object, extra: dict, drop: set
) -> None:
    payload = {**extra, "sender": sender, "message": message, "lang": lang}
    for key in drop:
        payload.pop(key)
    # ensure_ascii keeps lone surrogates as \ud800 escapes: JSON that is not valid Unicode text.
    data = json.dumps(payload).encode()
    status, content_type, raw = post_raw(gateway, data, "application/json")
    body = check_answer(status, content_type, raw)
    # Exactly the documented outcome: an answer for every valid request, else its error code.
    try:
        parse_chat_body(data, MAX_MESSAGE_CHARS)
        expected = (413, "body_too_large") if len(data) > MAX_BODY_BYTES else (200, None)
    except InvalidChatRequest as error:
        expected = (error.status, error.code)
        if len(data) > MAX_BODY_BYTES:
            expected = (413, "body_too_large")
    assert (status, body.get("error", {}).get("code")) == expected, (payload, body)
    lang = payload.get("lang")
    if status != 200 and lang in ("id", "en") and body["error"]["code"] != "body_too_large":
        # The user's chosen language is honoured even when the request is refused.
        assert body["error"]["message"] in {
            text(body["error"]["code"], lang, max=128, max_chars=MAX_MESSAGE_CHARS),
        }, body


@settings(settings.get_profile("duta-stack"), max_examples=400)
@given(
    body=st.one_of(
        st.binary(max_size=MAX_BODY_BYTES * 2),
        st.text(max_size=200).map(lambda s: s.encode("utf-16")),
        st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"{", b"[]", b"null", b"\xef\xbb\xbf{}", b"[" * 2000, b" \n\t "]),
        st.builds(
            lambda m: json.dumps({"sender": "fuzz", "message": m}).encode("latin-1", "replace"),
            st.text(max_size=50),
        ),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=latin-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/JSON",
            "",
            None,
        ]
    ),
    chunked=st.booleans(),
)
def test_any_bytes_with_any_content_type_get_an_answer_or_a_clear_error(
    gateway: RunningStack, body: bytes, content_type: str | None, chunked: bool
) -> None:
    status, header, raw = post_raw(gateway, body, content_type, chunked=chunked)
    check_answer(status, header, raw)
    if len(body) > MAX_BODY_BYTES:
        assert status in (413, 415), status


def test_the_stack_still_answers_after_the_fuzzing(gateway: RunningStack) -> None:
    reply = gateway.chat("after-fuzz", "Kapan ICDD diadakan?")
    assert reply.status == 200 and "16 November 2021" in reply.text
    assert gateway.get("/health").status == 200

"""Property-based input straight to Rasa's gateway channel (deploy/rasa_channel.py), with and
without its token: whatever arrives, a clear 4xx or the assistant's messages, never a 5xx, and the
stack still answers afterwards. The gateway's own fuzzing is in test_bad_input.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import RunningStack
from .test_bad_input import HOSTILE_TEXT, json_values
from .test_hardening import channel_post

pytestmark = pytest.mark.integration

CHANNEL_ERRORS = {400, 401, 413, 415, 422}
# Texts a person might type, payload look-alikes, and junk.
texts = st.one_of(
    st.text(max_size=1100),
    st.sampled_from(HOSTILE_TEXT),
    st.from_regex(r"/[a-z_]{1,20}(\{.{0,40}\})?", fullmatch=True),
    st.builds(lambda k, v: "/inform" + json.dumps({k: v}), st.text(max_size=20), json_values),
    json_values,
)
senders = st.one_of(
    st.from_regex(r"(api|tg):[A-Za-z0-9_.:-]{1,40}", fullmatch=True),
    st.text(max_size=300),
    json_values,
)


@settings(settings.get_profile("duta-stack"), max_examples=700)
@given(
    sender=senders,
    text=texts,
    metadata=st.one_of(st.none(), st.just({"channel": "api"}), json_values),
    authorised=st.sampled_from([True, True, True, False]),
    raw=st.one_of(st.none(), st.binary(max_size=200)),
)
def test_the_channel_never_answers_5xx(
    running_stack: RunningStack,
    sender: object,
    text: object,
    metadata: object,
    authorised: bool,
    raw: bytes | None,
) -> None:
    body = (
        raw
        if raw is not None
        else json.dumps({"sender": sender, "message": text, "metadata": metadata}).encode()
    )
    token = running_stack.config.rasa_token if authorised else None
    status, answer, _ = channel_post(running_stack, body, token)
    assert status == 200 or status in CHANNEL_ERRORS, (status, answer)
    if not authorised:
        assert status == 401
    if status == 200:
        assert isinstance(answer, list)


def test_the_stack_still_answers_after_the_channel_fuzzing(running_stack: RunningStack) -> None:
    reply = running_stack.chat("after-channel-fuzz", "Kapan ICDD diadakan?")
    assert reply.status == 200 and "16 November 2021" in reply.text

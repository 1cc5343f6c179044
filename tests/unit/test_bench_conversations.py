"""The blind conversation set (tests/conversations/) and how bench.conversations scores a turn."""

from __future__ import annotations

import re

import pytest

from bench.conversations import SPLITS, button_payload, load_split, parse_args, turn_problems


@pytest.mark.parametrize("split", SPLITS)
def test_every_conversation_is_well_formed(split: str) -> None:
    conversations = load_split(split)
    assert len(conversations) >= 40
    for conversation in conversations:
        assert conversation["lang"] in ("id", "en") and conversation["turns"]
        for turn in conversation["turns"]:
            assert ("user" in turn) != ("button" in turn), conversation["id"]
            expect = turn.get("expect") or {}
            assert expect.get("language") in (None, "id", "en")
            for pattern in [*(expect.get("facts") or []), *(expect.get("not") or [])]:
                re.compile(pattern)


def test_ids_are_unique_across_splits() -> None:
    ids = [c["id"] for split in SPLITS for c in load_split(split)]
    assert len(ids) == len(set(ids))


def test_a_turn_passes_only_when_everything_expected_holds() -> None:
    said = {"text": "ICDD was held on 16 November 2021 in Bali.", "buttons": []}
    body = {"language": "en", "fallback": False, "messages": [said]}
    expect = {"language": "en", "fallback": False, "facts": ["16 nov", "bali"], "not": ["jakarta"]}
    assert turn_problems(expect, body) == []
    assert turn_problems({**expect, "language": "id"}, body) == ["language en != id"]
    assert turn_problems({**expect, "facts": ["2022"]}, body) == ["missing /2022/"]
    assert turn_problems({**expect, "not": ["bali"]}, body) == ["has /bali/"]
    assert turn_problems({"fallback": True}, body) == ["fallback False != True"]


def test_a_button_is_found_by_its_title() -> None:
    body = {"messages": [{"text": "Topik", "buttons": [{"title": "Visa", "payload": "/ask_visa"}]}]}
    assert button_payload(body, "visa") == "/ask_visa"
    assert button_payload(body, "Events") is None and button_payload(None, "Visa") is None


def test_the_held_out_split_misses_are_never_shown() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--split", "heldout", "--show-misses"])
    assert parse_args(["--split", "dev", "--show-misses"]).show_misses

"""The visa form's typed answers as the trained model reads them (issue 23): each sentence goes to
the session stack's real Rasa (`POST /model/parse`), and the form's reading (actions/visa.py
`read_answers`, `corrected_case`) gets the entities the NLU's LookupEntityExtractor
(nlu/lookup_entities.py) found with the words of training_data/visa_terms.yml.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from actions.visa import VISA_SLOTS, corrected_case, read_answers

from .conftest import RunningStack

pytestmark = pytest.mark.integration


def parse(stack: RunningStack, text: str) -> dict[str, Any]:
    url = f"{stack.config.rasa_url}/model/parse?token={stack.config.rasa_token}"
    request = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.mark.parametrize(
    ("text", "direction", "purpose", "nationality"),
    [
        ("saya orang jerman mau liburan ke bali", "to_indonesia", "tourism", "other"),
        ("temen saya dari malaysia mau jalan2 ke jogja", "to_indonesia", "tourism", "asean"),
        ("saya WNI mau kuliah ke luar negeri", "abroad", "other", None),
        ("I'm Indonesian, going to Japan", "abroad", None, "other"),
        ("my parents want to visit me in Bali", "to_indonesia", None, None),
        ("australian citizen, business trip", "to_indonesia", "business", "other"),
        ("bukan negara asean", None, None, "other"),
        ("not ASEAN", None, None, "other"),
        # Negated in any of its forms; "from"/"dari" say whose citizen: a visitor.
        ("not from an asean country", "to_indonesia", None, "other"),
        ("tidak dari negara ASEAN", "to_indonesia", None, "other"),
        ("non-ASEAN countries", None, None, "other"),
        ("I'm from an ASEAN country", "to_indonesia", None, "asean"),
        ("we're from singapore", "to_indonesia", None, "asean"),
        # Two purposes named: none is read, the form asks.
        ("liburan sambil meeting klien", None, None, None),
        ("timor leste", None, None, None),
        ("hmm entahlah", None, None, None),
    ],
)
def test_the_model_reads_the_typed_answers(
    running_stack: RunningStack,
    text: str,
    direction: str | None,
    purpose: str | None,
    nationality: str | None,
) -> None:
    parsed = parse(running_stack, text)
    found = read_answers(parsed["entities"])
    assert tuple(found[slot] for slot in VISA_SLOTS) == (direction, purpose, nationality), parsed


def test_the_words_do_not_depend_on_case(running_stack: RunningStack) -> None:
    entities = parse(running_stack, "SAYA ORANG JERMAN")["entities"]
    assert read_answers(entities)["visa_nationality"] == "other"
    # "Inggris" is also the language entity's "en" (a synonym): the nationality is still read.
    assert read_answers(parse(running_stack, "saya orang Inggris")["entities"]) == {
        "visa_direction": "to_indonesia",
        "visa_purpose": None,
        "visa_nationality": "other",
    }


@pytest.mark.parametrize(
    ("kept", "text", "expected"),
    [
        (
            "to_indonesia|business|other",
            "eh salah, sy cuma liburan kok",
            "to_indonesia|tourism|other",
        ),
        (
            "to_indonesia|tourism|asean",
            "sorry, I'm Indian, not from Singapore",
            "to_indonesia|tourism|other",
        ),
        ("abroad||", "bukan, maksud saya kerja 2 tahun", "abroad|other|"),
        ("abroad|tourism|", "my mistake, I'm Thai", "to_indonesia|tourism|asean"),
        ("to_indonesia|tourism|other", "sorry, I meant it", None),
    ],
)
def test_the_model_reads_the_corrections(
    running_stack: RunningStack, kept: str, text: str, expected: str | None
) -> None:
    case = corrected_case(kept, text, parse(running_stack, text)["entities"])
    assert ("|".join(value or "" for value in case) if case else None) == expected

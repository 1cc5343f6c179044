"""Nothing hides an entry (issue 22, point 4): entries staff add on topics a flow covers (a visa
rule for Indonesians going to one country, an event, a complaints procedure) are answered through
/api/chat, in both languages, for phrasings other than the entry's own; the flows still keep the
questions no entry answers.

The entries go into the session stack's private copy of knowledge/ with `faq import --retrain
--rasa skip` (no Rasa training), and leave with a rollback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.store import current_version

from .conftest import RunningStack
from .test_retrain import knowledge, stack_env  # noqa: F401  (the module fixture)

pytestmark = pytest.mark.integration

MARKER = "DUTA-FLOW-TEST"
SOURCE = {"title": "Test entry", "url": "https://kemlu.go.id", "date": "2026-12-07"}
ENTRIES: list[dict[str, Any]] = [
    {
        "id": "test-visa-kazakhstan",
        "tags": ["visa"],
        "questions": {
            "id": ["Apakah WNI perlu visa ke Kazakhstan?", "WNI ke Kazakhstan pakai visa?"],
            "en": [
                "Do Indonesians need a visa for Kazakhstan?",
                "Kazakhstan visa for Indonesian citizens",
            ],
        },
        "answers": {
            "id": f"WNI dapat berkunjung ke Kazakhstan hingga 30 hari tanpa visa ({MARKER}-VISA).",
            "en": f"Indonesians may visit Kazakhstan for up to 30 days visa-free ({MARKER}-VISA).",
        },
    },
    {
        "id": "test-event-digital-week",
        "tags": ["events"],
        "questions": {
            "id": ["Kapan Pekan Diplomasi Digital Kemlu diadakan?"],
            "en": ["When is Kemlu's Digital Diplomacy Week held?"],
        },
        "answers": {
            "id": f"Pekan Diplomasi Digital Kemlu diadakan setiap Mei ({MARKER}-EVENT).",
            "en": f"Kemlu's Digital Diplomacy Week is held every May ({MARKER}-EVENT).",
        },
    },
    {
        "id": "test-complaints",
        "tags": ["consular"],
        "questions": {
            "id": ["Bagaimana cara menyampaikan pengaduan tentang layanan KBRI?"],
            "en": ["How do I file a complaint about an embassy's service?"],
        },
        "answers": {
            "id": f"Pengaduan layanan KBRI lewat formulir pengaduan ({MARKER}-COMPLAINT).",
            "en": f"Embassy complaints go through its complaint form ({MARKER}-COMPLAINT).",
        },
    },
]
# Three phrasings per entry and language that are none of the entry's own questions.
PARAPHRASES: dict[str, dict[str, list[str]]] = {
    "VISA": {
        "id": [
            "sy WNI mau liburan ke kazakhstan, harus bikin visa gak?",
            "paspor indonesia ke Kazakhstan bebas visa ga sih",
            "mau ke almaty kazakhstan, orang indonesia perlu visa?",
        ],
        "en": [
            "I'm Indonesian and planning a trip to Kazakhstan, is a visa required?",
            "can I go to Kazakhstan visa free with an Indonesian passport",
            "visa rules for Indonesian passport holders visiting Kazakhstan?",
        ],
    },
    "EVENT": {
        "id": [
            "pekan diplomasi digital kemlu itu kapan ya?",
            "acara pekan diplomasi digital diadain bulan apa",
            "kapan jadwal Pekan Diplomasi Digital?",
        ],
        "en": [
            "when does the Digital Diplomacy Week take place?",
            "what month is Kemlu's digital diplomacy week event",
            "Digital Diplomacy Week dates?",
        ],
    },
    "COMPLAINT": {
        "id": [
            "sy mau komplain soal pelayanan KBRI, caranya gmn?",
            "gimana cara ngadu kalo pelayanan kedutaan jelek",
            "mau lapor keluhan layanan KBRI ke mana",
        ],
        "en": [
            "I want to complain about the service at the Indonesian embassy, how?",
            "how can I make a complaint about bad embassy service",
            "where do I send a complaint about the embassy's service?",
        ],
    },
}
FLOW_INTENTS = {"ask_visa", "ask_events", "human_handoff", "ask_mission"}


@pytest.fixture(scope="module")
def entries_added(stack_env: dict[str, str], tmp_path_factory: Any) -> Iterator[None]:  # noqa: F811
    index_dir = Path(stack_env["DUTA_INDEX_DIR"])
    before = current_version(index_dir)
    assert before is not None
    sheet = tmp_path_factory.mktemp("flows") / "entries.yml"
    sheet.write_text(
        yaml.safe_dump([{**e, "source": SOURCE} for e in ENTRIES], allow_unicode=True),
        encoding="utf-8",
    )
    knowledge(stack_env, "faq", "import", str(sheet), "--retrain", "--rasa", "skip")
    yield
    knowledge(stack_env, "rollback", "--to", before.name)


def ask(stack: RunningStack, text: str, lang: str) -> tuple[str, str, bool]:
    """(reply text, the intent Rasa gave, fallback) in a new conversation."""
    sender = f"flows-{uuid.uuid4().hex[:10]}"
    reply = stack.chat(sender, text, lang=lang)
    assert reply.status == 200, reply.body
    events = stack.tracker(f"api:{sender}")["events"]
    intent = next(e for e in events if e["event"] == "user")["parse_data"]["intent"]["name"]
    return reply.text, intent, reply.body["fallback"]


@pytest.mark.parametrize("topic", list(PARAPHRASES))
def test_a_staff_entry_on_a_flows_topic_is_the_answer(
    running_stack: RunningStack, entries_added: None, topic: str
) -> None:
    missed, intents = [], []
    for lang, phrasings in PARAPHRASES[topic].items():
        for phrasing in phrasings:
            text, intent, fallback = ask(running_stack, phrasing, lang)
            intents.append(intent)
            if f"{MARKER}-{topic}" not in text or fallback:
                missed.append((lang, phrasing, intent, text[:120]))
    assert not missed, missed
    # The point of the test: the NLU sends some of them to a flow, and the entry still answers.
    assert FLOW_INTENTS & set(intents), intents


def test_the_flows_keep_the_questions_no_entry_answers(
    running_stack: RunningStack, entries_added: None
) -> None:
    """With the entries in, a bare topic still opens its flow: the form asks its first question,
    the events question lists the events, a person is pointed to where to find one."""
    visa, _, _ = ask(running_stack, "I need a visa", "en")
    assert "visiting Indonesia" in visa and MARKER not in visa, visa
    events, _, _ = ask(running_stack, "ada acara apa aja?", "id")
    assert "Acara diplomasi digital yang saya ketahui" in events and MARKER not in events, events
    # A person: the handoff text, or an entry that answers it (Duta's own "where to ask").
    person, _, fallback = ask(running_stack, "can I talk to a real person?", "en")
    assert "embass" in person and MARKER not in person and not fallback, person

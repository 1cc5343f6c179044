"""Every answer cites a dated source (issue 17): the built index, and fee answers on the stack.

The index check reads the index `make setup` / `make retrain` built (DUTA_INDEX_DIR, default
var/index), one record per FAQ entry, document or event: every one carries a source title and a
date (its publication date, the date its facts are true as of, or for a page that shows no date
the day it was read), at least 90 % a link, and a FAQ entry whose facts change says in both
languages as of when.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from .conftest import RunningStack
from .test_widget_support import Widget, chromium

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_LINKED = 0.90
AS_OF_WORDS = {"id": ("per ", "sejak "), "en": ("as of",)}


def built_records() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, doc_id) -> one unit of that record (all units of a record share its source)."""
    index_root = Path(os.environ.get("DUTA_INDEX_DIR") or ROOT / "var" / "index")
    units_file = index_root / "current" / "units.jsonl"
    assert units_file.is_file(), f"no built index at {units_file}: run `make var/stamps/index`"
    records: dict[tuple[str, str], dict[str, Any]] = {}
    with units_file.open(encoding="utf-8") as handle:
        for line in handle:
            unit = json.loads(line)
            key = (unit["kind"], unit["doc_id"])
            first = records.setdefault(key, unit)
            assert unit["source"] == first["source"], f"{key}: units disagree on the source"
    return records


def test_every_record_of_the_built_index_cites_a_dated_source() -> None:
    records = built_records()
    assert len(records) >= 80  # 72 FAQ entries, 5 documents, 5 events when this was written
    untitled = [key for key, unit in records.items() if not (unit["source"]["title"] or "").strip()]
    undated = [
        key
        for key, unit in records.items()
        if not any(
            ISO_DATE.match(unit["source"].get(field) or "") for field in ("date", "accessed")
        )
    ]
    unlinked = [
        key
        for key, unit in records.items()
        if not (unit["source"]["url"] or "").startswith(("https://", "http://"))
    ]
    assert untitled == [] and undated == []
    assert 1 - len(unlinked) / len(records) >= MIN_LINKED, unlinked


def test_every_changing_fact_says_as_of_when_in_both_languages() -> None:
    volatile = [u for u in built_records().values() if (u.get("extra") or {}).get("volatile")]
    assert len(volatile) >= 10  # fees, visa rules, hotlines, passport requirements
    for unit in volatile:
        year = unit["extra"]["as_of"][:4]
        assert unit["source"]["date"], unit["doc_id"]  # the reply shows a date under the answer
        for lang, answer in unit["answers"].items():
            lowered = answer.lower()
            assert year in lowered and any(w in lowered for w in AS_OF_WORDS[lang]), (
                unit["doc_id"],
                lang,
                answer,
            )


@pytest.mark.parametrize(
    ("question", "lang", "as_of"),
    [
        ("Berapa biaya e-VOA Indonesia?", "id", "Per April 2024"),
        ("How much does the e-VOA for Indonesia cost?", "en", "As of April 2024"),
    ],
)
def test_a_fee_answer_shows_its_date_and_an_official_source(
    running_stack: RunningStack, question: str, lang: str, as_of: str
) -> None:
    reply = running_stack.chat(f"fee-{uuid.uuid4().hex[:12]}", question)
    assert reply.status == 200, reply.body
    assert reply.body["language"] == lang and reply.body["fallback"] is False, reply.text
    [answer] = [m for m in reply.body["messages"] if "500" in m["text"]]
    # The fee, with the date it is true as of, in the answer's own words...
    assert as_of in answer["text"] and re.search(r"Rp\s?500[.,]000", answer["text"]), answer
    # ...and under it the immigration directorate's own page, with its date.
    [source] = answer["sources"]
    assert source["url"].startswith("https://imigrasi.go.id/"), source
    assert ISO_DATE.match(source["date"] or ""), source


def test_the_widget_labels_sources_in_the_answers_language(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    """The panel is in Indonesian (the demo page is <html lang="id">); an English answer still
    says "Sources:", with an English date, and an Indonesian one "Sumber:"."""
    with chromium(tmp_path / "profile") as context:
        widget = Widget(context.new_page()).goto(running_stack.config.gateway_url + "/demo")
        widget.open()
        widget.send("How much does the e-VOA for Indonesia cost?")
        assert widget.errors_shown() == []
        assert widget.texts(".msg.bot .srcs > span")[-1] == "Sources:"
        assert re.search(r"\(\d{1,2} [A-Z][a-z]+ \d{4}\)", widget.texts(".srcs li")[-1])
        widget.send("Berapa biaya e-VOA Indonesia?")
        assert widget.texts(".msg.bot .srcs > span")[-1] == "Sumber:"
        # A page that shows no date: the day it was read, said as such in the answer's language.
        widget.send("What is digital diplomacy according to Fergus Hanson?")
        assert re.search(r"\(read \d{1,2} [A-Z][a-z]+ \d{4}\)$", widget.texts(".srcs li")[-1])
        widget.send("Apa definisi diplomasi digital menurut Fergus Hanson?")
        assert re.search(r"\(dibaca \d{1,2} [A-Z][a-z]+ \d{4}\)$", widget.texts(".srcs li")[-1])


def test_an_answer_from_an_undated_page_carries_the_day_it_was_read(
    running_stack: RunningStack,
) -> None:
    reply = running_stack.chat(
        f"undated-{uuid.uuid4().hex[:12]}", "What is digital diplomacy according to Fergus Hanson?"
    )
    assert reply.status == 200 and reply.body["fallback"] is False, reply.body
    [source] = [s for m in reply.body["messages"] for s in m["sources"]]
    assert source["url"].startswith("https://stekom.id/"), source
    assert source["date"] is None and ISO_DATE.match(source["accessed"]), source


def test_the_visa_forms_answer_cites_dated_official_sources(running_stack: RunningStack) -> None:
    """The form's answer quotes FAQ entries directly (actions/content.py): their sources are
    dated too, and an undated page's read date never stands in for a date."""
    sender = f"visa-form-{uuid.uuid4().hex[:12]}"
    steps = [
        "I need a visa",
        '/inform{"visa_direction": "to_indonesia"}',
        '/inform{"visa_purpose": "tourism"}',
        '/inform{"visa_nationality": "other"}',
    ]
    for step in steps:
        reply = running_stack.chat(sender, step, lang="en")
        assert reply.status == 200, reply.body
    [answer] = [m for m in reply.body["messages"] if m["sources"]]
    assert "As of April 2024" in answer["text"] or "as of April 2024" in answer["text"], answer
    for source in answer["sources"]:
        assert ISO_DATE.match(source["date"] or ""), source
        assert "accessed" not in source, source  # only an undated page carries one
        assert (source["url"] or "").startswith("https://"), source

"""Read-only access to the content files (content/, or $DUTA_KNOWLEDGE_DIR): FAQ entries by id
and event records.

The visa and event flows quote this content instead of restating facts in domain.yml, so
staff edit a fact in one place. Loaded once per process, like the index.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import yaml

from knowledge.faq import load_faq
from knowledge.paths import default_source_dir
from knowledge.records import FaqEntry


@cache
def faq_entries() -> dict[str, FaqEntry]:
    return {entry.faq_id: entry for entry in load_faq(default_source_dir() / "faq")}


def faq(faq_id: str) -> FaqEntry:
    """One FAQ entry; KeyError names the id when the content no longer has it."""
    return faq_entries()[faq_id]


def faq_source(entry: FaqEntry) -> dict[str, Any]:
    """{title, url, date, accessed} for custom.duta.sources; an undated source shows the answer's
    as-of, or failing that the day the page was read (`accessed`, shown as such)."""
    date = entry.source.date or entry.as_of or None
    return {
        "title": entry.source.title,
        "url": entry.source.url,
        "date": date,
        "accessed": None if date else entry.source.accessed,
    }


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


@cache
def events() -> tuple[dict[str, Any], ...]:
    """Events of content/events.yml (format documented in its header), oldest first.

    Read directly rather than through knowledge.faq.load_events, which drops the fields the
    answers show (date_note, Indonesian speaker roles). `knowledge build` validates the file.
    """
    raw = yaml.safe_load((default_source_dir() / "events.yml").read_text(encoding="utf-8")) or []
    records = [{**event, "date": as_date(event.get("date"))} for event in raw]
    return tuple(sorted(records, key=lambda e: (e["date"] is None, e["date"] or dt.date.min)))

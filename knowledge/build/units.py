"""Turning documents, FAQ entries and events into searchable units."""

from __future__ import annotations

from typing import Any

from knowledge.build.chunking import ChunkParams, chunk_text
from knowledge.faq import LANGUAGES
from knowledge.records import Document, FaqEntry, Unit

EVENT_PREFIX = "event:"

_EVENT_LABELS = {
    "id": {
        "date": "Tanggal",
        "place": "Tempat",
        "format": "Format",
        "organisers": "Penyelenggara",
        "speakers": "Pembicara",
        "outcome": "Hasil",
        "aliases": "Disebut juga",
    },
    "en": {
        "date": "Date",
        "place": "Place",
        "format": "Format",
        "organisers": "Organisers",
        "speakers": "Speakers",
        "outcome": "Outcome",
        "aliases": "Also called",
    },
}


def document_units(
    doc: Document,
    params: ChunkParams,
    original: Document | None = None,
    same_text: tuple[str, ...] = (),
) -> list[Unit]:
    """Chunks and question variants of a document. A translation's units belong to its original
    (same doc_id and source, so either language's passage finds the one document) and say what
    they came from. `same_text`: the ids of the copies of this document that were not indexed."""
    if original is not None:
        doc_id, source = original.doc_id, original.source.as_dict()
        extra: dict[str, Any] = {"translated_from": original.language}
        title = doc.title or doc.source.title  # shown as the hit's title (knowledge/search.py)
    else:
        doc_id, source = doc.doc_id, doc.source.as_dict()
        extra = {"same_text": list(same_text)} if same_text else {}
        # Extra titles (an English title of an Indonesian page) ride along in the title so
        # that both BM25 and the embedding see them with every chunk.
        title = " | ".join(t for t in (doc.title, *doc.extra_titles) if t)
    chunks = [
        Unit(
            unit_id=f"{doc.doc_id}#{index}",
            kind="document",
            doc_id=doc_id,
            role="chunk",
            language=doc.language,
            title=title,
            text=chunk,
            source=source,
            extra=dict(extra),
        )
        for index, chunk in enumerate(chunk_text(doc.text, params))
    ]
    questions = [
        Unit(
            unit_id=f"{doc.doc_id}#q-{lang}-{index}",
            kind="document",
            doc_id=doc_id,
            role="question",
            language=lang,
            title=title,
            text=question,
            source=source,
            extra=dict(extra),
        )
        for index, (lang, question) in enumerate(doc.questions)
    ]
    return chunks + questions


def faq_units(entry: FaqEntry) -> list[Unit]:
    source = entry.source.as_dict()
    # An undated source shows the date its answer is true as of (as the visa and event flows do,
    # actions/content.py), so no answer path drops the entry's date.
    source["date"] = entry.source.date or entry.as_of
    extra = {"as_of": entry.as_of, "volatile": entry.volatile, "tags": list(entry.tags)}
    if entry.document:
        extra["document"] = entry.document
    answers = dict(entry.answers)
    units: list[Unit] = []
    for lang in LANGUAGES:
        title = entry.questions[lang][0]
        for index, question in enumerate(entry.questions[lang]):
            units.append(
                Unit(
                    f"{entry.faq_id}#q-{lang}-{index}",
                    "faq",
                    entry.faq_id,
                    "question",
                    lang,
                    title,
                    question,
                    source,
                    entry.faq_id,
                    answers,
                    extra,
                )
            )
        units.append(
            Unit(
                f"{entry.faq_id}#a-{lang}",
                "faq",
                entry.faq_id,
                "answer",
                lang,
                title,
                entry.answers[lang],
                source,
                entry.faq_id,
                answers,
                extra,
            )
        )
    return units


def _event_text(event: dict[str, Any], lang: str) -> str:
    labels = _EVENT_LABELS[lang]
    parts = [f"{event['name'][lang]}."]
    if event["aliases"]:
        parts.append(f"{labels['aliases']}: {', '.join(event['aliases'])}.")
    if event.get("date"):
        date = event["date"] + (f" - {event['end_date']}" if event.get("end_date") else "")
        parts.append(f"{labels['date']}: {date}.")
    if event.get("date_note"):
        parts.append(event["date_note"][lang])
    if event.get("place"):
        parts.append(f"{labels['place']}: {event['place'][lang]}.")
    if event.get("format"):
        parts.append(f"{labels['format']}: {event['format']}.")
    if event["organisers"]:
        parts.append(f"{labels['organisers']}: {', '.join(event['organisers'])}.")
    if event["speakers"]:
        role_key = "role_id" if lang == "id" else "role"
        people = ", ".join(
            f"{s['name']} ({s[role_key]})" if s[role_key] else s["name"] for s in event["speakers"]
        )
        parts.append(f"{labels['speakers']}: {people}.")
    if event.get("summary"):
        parts.append(event["summary"][lang])
    if event.get("outcome"):
        parts.append(f"{labels['outcome']}: {event['outcome'][lang]}")
    return " ".join(parts)


def event_units(event: dict[str, Any], params: ChunkParams) -> list[Unit]:
    doc_id = EVENT_PREFIX + event["id"]
    source = event["source"].as_dict()
    extra = {"event_id": event["id"], "date": event["date"], "end_date": event.get("end_date")}
    units: list[Unit] = []
    for lang in LANGUAGES:
        title = event["name"][lang]
        for index, chunk in enumerate(chunk_text(_event_text(event, lang), params)):
            units.append(
                Unit(
                    f"{doc_id}#{lang}-{index}",
                    "document",
                    doc_id,
                    "chunk",
                    lang,
                    title,
                    chunk,
                    source,
                    extra=extra,
                )
            )
    return units

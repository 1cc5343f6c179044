"""The answer form's fields and the FAQ entry they stand for, written once.

The console's pages, its JSON API, the benchmark and the tests all turn an entry into the form
(an edit of it) and the form back into an entry through these functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FORM_FIELDS = (
    "ids", "faq_id", "questions_id", "questions_en", "answer_id", "answer_en", "source_title",
    "source_url", "source_publisher", "source_date", "source_accessed", "as_of", "tags",
    "volatile", "allow_similar", "editing", "document",
)  # fmt: skip


def entry_json(entry: Any) -> dict[str, Any]:
    """A knowledge.records.FaqEntry as GET /admin/api/faq lists it."""
    return {
        "id": entry.faq_id,
        "file": Path(entry.origin.split(" entry ")[0]).name,
        "tags": list(entry.tags),
        "as_of": entry.as_of,
        "volatile": entry.volatile,
        "document": entry.document,
        "questions": {lang: list(entry.questions[lang]) for lang in ("id", "en")},
        "answers": dict(entry.answers),
        "source": entry.source.as_dict(),
    }


def edit_form(entry: dict[str, Any]) -> dict[str, str]:
    """An entry as /admin/api/faq lists it (entry_json), as the answer form's fields: an edit
    of that entry. Every field is present; `allow_similar` is left off."""
    source = entry["source"]
    return dict.fromkeys(FORM_FIELDS, "") | {
        "editing": entry["id"],
        "faq_id": entry["id"],
        "questions_id": "\n".join(entry["questions"]["id"]),
        "questions_en": "\n".join(entry["questions"]["en"]),
        "answer_id": entry["answers"]["id"],
        "answer_en": entry["answers"]["en"],
        "source_title": source["title"],
        "source_url": source.get("url") or "",
        "source_publisher": source.get("publisher") or "",
        "source_date": source.get("date") or "",
        "source_accessed": source.get("accessed") or "",
        "as_of": entry.get("as_of") or "",
        "tags": ", ".join(entry.get("tags") or []),
        "volatile": "on" if entry.get("volatile") else "",
        "document": entry.get("document") or "",
    }


def entry_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The form as a FAQ entry mapping (the content/faq/*.yml shape the checks read)."""

    def lines(name: str) -> list[str]:
        return [line.strip() for line in form.get(name, "").splitlines() if line.strip()]

    def value(name: str) -> str | None:
        return form.get(name, "").strip() or None

    return {
        "id": value("faq_id"),
        "tags": [tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()],
        "as_of": value("as_of"),
        "volatile": form.get("volatile") in ("on", "true", "1"),
        "source": {
            "title": value("source_title"),
            "publisher": value("source_publisher"),
            "url": value("source_url"),
            "date": value("source_date"),
            "accessed": value("source_accessed"),
            "document": value("document"),  # kept through an edit
        },
        "questions": {"id": lines("questions_id"), "en": lines("questions_en")},
        "answers": {
            "id": form.get("answer_id", "").strip(),
            "en": form.get("answer_en", "").strip(),
        },
    }

"""FAQ entries (content/faq/*.yml) and events (content/events.yml): loading and validation."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.records import FaqEntry, KnowledgeInputError, Source

LANGUAGES = ("id", "en")
_KEBAB_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _read_yaml_list(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeInputError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise KnowledgeInputError(f"{path}: not UTF-8 text") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise KnowledgeInputError(f"{path}: must be a list of entries")
    return data


def _date_str(value: Any, where: str, field: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise KnowledgeInputError(f"{where}: '{field}' must be a date YYYY-MM-DD, got {value!r}")


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeInputError(f"{where}: '{field}' must be a non-empty string")
    return value.strip()


def _bilingual(value: Any, where: str, field: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise KnowledgeInputError(f"{where}: '{field}' must be a mapping with 'id' and 'en'")
    return {lang: _text(value.get(lang), where, f"{field}.{lang}") for lang in LANGUAGES}


def parse_source(value: Any, where: str) -> tuple[Source, str | None]:
    if not isinstance(value, dict):
        raise KnowledgeInputError(f"{where}: 'source' must be a mapping with at least a title")
    url = value.get("url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        raise KnowledgeInputError(f"{where}: 'source.url' must be an http(s) URL or null")
    publisher = value.get("publisher")
    document = value.get("document")
    source = Source(
        title=_text(value.get("title"), where, "source.title"),
        url=url,
        date=_date_str(value.get("date"), where, "source.date", required=False),
        publisher=str(publisher) if publisher else None,
        accessed=_date_str(value.get("accessed"), where, "source.accessed", required=False),
    )
    return source, str(document) if document else None


def parse_faq_entry(raw: Any, where: str) -> FaqEntry:
    if not isinstance(raw, dict):
        raise KnowledgeInputError(f"{where}: an entry must be a mapping")
    faq_id = raw.get("id")
    if not isinstance(faq_id, str) or not _KEBAB_RE.match(faq_id):
        raise KnowledgeInputError(
            f"{where}: 'id' must be kebab-case (a-z, 0-9, '-'), got {faq_id!r}"
        )
    where = f"{where} ({faq_id})"
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise KnowledgeInputError(f"{where}: 'tags' must be a list of strings")
    volatile = raw.get("volatile", False)
    if not isinstance(volatile, bool):
        raise KnowledgeInputError(f"{where}: 'volatile' must be true or false")
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, dict):
        raise KnowledgeInputError(
            f"{where}: 'questions' must be a mapping with 'id' and 'en' lists"
        )
    questions: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        variants = questions_raw.get(lang)
        if not isinstance(variants, list) or not variants:
            raise KnowledgeInputError(f"{where}: 'questions.{lang}' must be a non-empty list")
        questions[lang] = tuple(_text(q, where, f"questions.{lang}") for q in variants)
    source, document = parse_source(raw.get("source"), where)
    # Undated background facts may leave as_of null; a volatile fact without a date is useless.
    as_of = _date_str(raw.get("as_of"), where, "as_of", required=volatile)
    return FaqEntry(
        faq_id=faq_id,
        tags=tuple(tags),
        as_of=as_of,
        volatile=volatile,
        source=source,
        document=document,
        questions=questions,
        answers=_bilingual(raw.get("answers"), where, "answers"),
        origin=where,
    )


def load_faq(folder: Path) -> list[FaqEntry]:
    """All entries of folder/*.yml (and *.yaml); ids must be unique across files."""
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    paths = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    for path in paths:
        for index, raw in enumerate(_read_yaml_list(path)):
            entry = parse_faq_entry(raw, f"{path} entry {index + 1}")
            if entry.faq_id in seen:
                raise KnowledgeInputError(
                    f"{path}: FAQ id '{entry.faq_id}' is already used in {seen[entry.faq_id]}"
                )
            seen[entry.faq_id] = str(path)
            entries.append(entry)
    return entries


# How an answer says when its facts were true: "as of April 2024" / "per April 2024".
_AS_OF_WORDS = {"en": ("as of",), "id": ("per ", "sejak ")}


def citation_problems(entry: FaqEntry, where: str) -> list[str]:
    """Every answer cites a dated source, and one whose facts change says as of when."""
    problems = []
    # The answer shows the source's date, else the date its facts are true as of.
    if entry.source.date is None and entry.source.accessed is None and entry.as_of is None:
        problems.append(
            f"{where}: no date: give the source's date (when it was published), or as_of (when "
            "the answer was true), or for a page that shows no date the day you read it "
            "(source accessed), YYYY-MM-DD"
        )
    if entry.volatile and entry.as_of:
        year = entry.as_of[:4]
        for lang in LANGUAGES:
            answer = entry.answers[lang].lower()
            said = any(word in answer for word in _AS_OF_WORDS[lang]) and year in answer
            if not said:
                example = "as of" if lang == "en" else "per"
                problems.append(
                    f"{where}: the facts change (volatile), so answers.{lang} must say when they "
                    f"were true, e.g. '{example} <month> {year}' (as_of is {entry.as_of})"
                )
    return problems


def faq_warnings(entries: list[FaqEntry], doc_ids: set[str]) -> list[str]:
    """Content-policy problems that do not stop a build but must be fixed."""
    warnings: list[str] = []
    for entry in entries:
        if entry.document and entry.document not in doc_ids:
            warnings.append(
                f"{entry.origin}: source.document '{entry.document}' is not a known document"
            )
        # What an import refuses, a hand-edited file gets as a build warning.
        warnings.extend(citation_problems(entry, entry.origin))
    return warnings


def _links(value: Any, where: str) -> list[dict[str, str]]:
    if not value:
        return []
    if not isinstance(value, list) or not all(
        isinstance(x, dict) and str(x.get("url", "")).startswith(("http://", "https://"))
        for x in value
    ):
        raise KnowledgeInputError(
            f"{where}: 'links' must be a list of {{label, url}} with http(s) URLs"
        )
    return [{"label": str(x.get("label") or x["url"]), "url": str(x["url"])} for x in value]


def load_events(path: Path) -> list[dict[str, Any]]:
    """Validated event records, each a dict with normalised dates and bilingual fields."""
    if not path.is_file():
        return []
    events: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(_read_yaml_list(path)):
        where = f"{path} entry {index + 1}"
        if not isinstance(raw, dict):
            raise KnowledgeInputError(f"{where}: an event must be a mapping")
        event_id = raw.get("id")
        if not isinstance(event_id, str) or not _KEBAB_RE.match(event_id):
            raise KnowledgeInputError(f"{where}: 'id' must be kebab-case, got {event_id!r}")
        if event_id in seen:
            raise KnowledgeInputError(f"{where}: event id '{event_id}' is used twice")
        seen.add(event_id)
        where = f"{where} ({event_id})"
        source, document = parse_source(raw.get("source"), where)
        speakers = raw.get("speakers") or []
        if not isinstance(speakers, list) or not all(
            isinstance(s, dict) and s.get("name") for s in speakers
        ):
            raise KnowledgeInputError(f"{where}: 'speakers' must be a list of {{name, role}}")
        optional = {
            k: _bilingual(raw[k], where, k)
            for k in ("place", "summary", "outcome", "date_note")
            if raw.get(k)
        }
        date = _date_str(raw.get("date"), where, "date", required=False)
        if date is None and "date_note" not in optional:
            raise KnowledgeInputError(
                f"{where}: 'date' is null, so 'date_note' must say what is known"
            )
        events.append(
            {
                "id": event_id,
                "name": _bilingual(raw.get("name"), where, "name"),
                "aliases": [str(a) for a in raw.get("aliases") or []],
                "date": date,
                "end_date": _date_str(raw.get("end_date"), where, "end_date", required=False),
                "format": str(raw["format"]) if raw.get("format") else None,
                "organisers": [str(o) for o in raw.get("organisers") or []],
                "speakers": [
                    {
                        "name": str(s["name"]),
                        "role": str(s.get("role") or ""),
                        "role_id": str(s.get("role_id") or s.get("role") or ""),
                    }
                    for s in speakers
                ],
                "links": _links(raw.get("links"), where),
                "source": source,
                "document": document,
                **optional,
            }
        )
    return events

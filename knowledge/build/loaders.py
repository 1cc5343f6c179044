"""Loading documents from .txt, .md (optional YAML front matter) and .jsonl files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from knowledge.build.cleaning import clean_text
from knowledge.faq import LANGUAGES
from knowledge.records import Document, KnowledgeInputError, Source

DOCUMENT_SUFFIXES = (".txt", ".md", ".jsonl")


def _as_str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def split_front_matter(raw: str, origin: str) -> tuple[dict[str, Any], str]:
    """YAML between leading '---' lines, and the body after it."""
    if not raw.startswith("---"):
        return {}, raw
    end = raw.find("\n---", 3)
    if end < 0:
        raise KnowledgeInputError(f"{origin}: front matter starts with '---' but never ends")
    try:
        meta = yaml.safe_load(raw[3:end]) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeInputError(f"{origin}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise KnowledgeInputError(f"{origin}: front matter must be a mapping")
    body = raw[end + 4 :]
    return meta, body.split("\n", 1)[1] if "\n" in body else ""


def _document_questions(value: Any, origin: str) -> tuple[tuple[str, str], ...]:
    """Front matter `questions: {id: [...], en: [...]}` as (language, question) pairs."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise KnowledgeInputError(f"{origin}: 'questions' must map a language (id, en) to a list")
    pairs: list[tuple[str, str]] = []
    for lang, questions in value.items():
        if lang not in LANGUAGES:
            raise KnowledgeInputError(
                f"{origin}: 'questions' has language '{lang}'; use {' or '.join(LANGUAGES)}"
            )
        if not isinstance(questions, list):
            raise KnowledgeInputError(f"{origin}: 'questions.{lang}' must be a list of questions")
        for number, question in enumerate(questions, start=1):
            if not isinstance(question, str) or not question.strip():
                raise KnowledgeInputError(
                    f"{origin}: question {number} of 'questions.{lang}' is empty or not text"
                )
            pairs.append((lang, question.strip()))
    return tuple(pairs)


def make_document(doc_id: str, text: str, meta: dict[str, Any], origin: str) -> Document:
    cleaned = clean_text(text)
    paragraphs = cleaned.split("\n\n") if cleaned else []
    publisher = _as_str_or_none(meta.get("publisher"))
    title = _as_str_or_none(meta.get("title"))
    if title is None and len(paragraphs) > 1:
        title = paragraphs[0].lstrip("# ").strip()  # a first paragraph with text after it: heading
    if title is not None:
        # The heading and a lone publisher line stand apart on news pages; the title rides along
        # with every chunk anyway and the publisher's name is not content.
        known = {title.lower(), (publisher or "").lower()}
        paragraphs = [p for p in paragraphs if p.lstrip("# ").strip().lower() not in known]
    body = "\n\n".join(paragraphs).strip()
    if not body:
        raise KnowledgeInputError(f"{origin}: document '{doc_id}' has no text after cleaning")
    # A document without a title shows its opening as one, but its chunks do not carry it: the
    # first chunk would hold those words twice (BM25 counts them double, the embedding leans on
    # them) and later chunks would carry a cut-off sentence as their topic. On FacQA's untitled
    # passages the made-up title cost 0.02 of R@1 (docs/benchmarks.md, "Defaults that travel").
    chunk_title = title or ""
    title = title or body[:80]
    extra = meta.get("extra_titles") or []
    if isinstance(extra, str):
        extra = [extra]
    language = _as_str_or_none(meta.get("language"))
    source = Source(
        title=title,
        url=_as_str_or_none(meta.get("url")),
        date=_as_str_or_none(meta.get("date")),
        publisher=publisher,
        accessed=_as_str_or_none(meta.get("accessed")),
    )
    return Document(
        doc_id,
        chunk_title,
        body,
        language,
        source,
        tuple(str(t) for t in extra),
        _as_str_or_none(meta.get("translation_of")),
        _document_questions(meta.get("questions"), origin),
    )


def load_text_file(path: Path, doc_id: str) -> Document:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    meta, body = split_front_matter(raw, str(path))
    return make_document(doc_id, body, meta, str(path))


def load_jsonl_file(path: Path) -> list[Document]:
    docs: list[Document] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise KnowledgeInputError(f"{where}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise KnowledgeInputError(f"{where}: each line must be a JSON object")
            for key in ("id", "text"):
                if (
                    not isinstance(record.get(key), (str, int))
                    or str(record.get(key)).strip() == ""
                ):
                    raise KnowledgeInputError(f"{where}: field '{key}' is missing or empty")
            meta = {k: v for k, v in record.items() if k not in ("id", "text")}
            docs.append(make_document(str(record["id"]), str(record["text"]), meta, where))
    return docs


def load_documents(folder: Path) -> list[Document]:
    """Every .txt/.md/.jsonl document under folder (recursively, hidden files skipped).

    doc_id is the file's path relative to folder without its suffix, or a .jsonl record's id.
    """
    if not folder.is_dir():
        raise KnowledgeInputError(f"{folder}: not a folder")
    docs: list[Document] = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() == ".jsonl":
            docs.extend(load_jsonl_file(path))
        elif path.suffix.lower() in (".txt", ".md"):
            docs.append(load_text_file(path, rel.with_suffix("").as_posix()))
    seen: dict[str, Document] = {}
    for doc in docs:
        if doc.doc_id in seen:
            raise KnowledgeInputError(f"{folder}: two documents share the id '{doc.doc_id}'")
        seen[doc.doc_id] = doc
    return docs


def resolve_translations(docs: list[Document]) -> dict[str, Document]:
    """The original of each translation (by the translation's doc_id), or KnowledgeInputError for
    a translation of an unknown document, of a translation, in the original's language, or a
    second one into the same language."""
    by_id = {doc.doc_id: doc for doc in docs}
    originals: dict[str, Document] = {}
    seen: set[tuple[str, str | None]] = set()
    for doc in docs:
        if doc.translation_of is None:
            continue
        where = f"document '{doc.doc_id}'"
        original = by_id.get(doc.translation_of)
        if original is None:
            raise KnowledgeInputError(
                f"{where}: translation_of '{doc.translation_of}' is not a document here"
            )
        if original.translation_of is not None:
            raise KnowledgeInputError(f"{where}: translates '{original.doc_id}', a translation")
        if doc.language is None or doc.language == original.language:
            raise KnowledgeInputError(
                f"{where}: a translation needs a language other than its original's "
                f"({original.language})"
            )
        if (original.doc_id, doc.language) in seen:
            raise KnowledgeInputError(
                f"{where}: '{original.doc_id}' already has a translation into {doc.language}"
            )
        seen.add((original.doc_id, doc.language))
        originals[doc.doc_id] = original
    return originals

"""Plain records passed between the loaders, the index builder and the search API."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class KnowledgeInputError(ValueError):
    """Bad input from a user or a data file: reported as a message, never as a traceback."""


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None = None
    date: str | None = None  # when the source was published
    publisher: str | None = None
    # For a page that gives no date: the day its address and text were last checked, so every
    # record still carries a date (shown as such, never as a publication date).
    accessed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str  # "" when the document has none (source.title then shows its opening)
    text: str  # already cleaned of page debris
    language: str | None
    source: Source
    extra_titles: tuple[str, ...] = ()  # e.g. an English title of an Indonesian text
    # doc_id of the document this one translates: its passages then answer for that document,
    # under its source, in this one's language.
    translation_of: str | None = None
    # (language, question) pairs this document answers, written by staff: indexed beside the
    # chunks like a FAQ entry's question variants, so a question about a fact that only the
    # document holds can match a question and not just the passage's wording.
    questions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FaqEntry:
    faq_id: str
    tags: tuple[str, ...]
    as_of: str | None
    volatile: bool
    source: Source
    document: str | None
    questions: dict[str, tuple[str, ...]]
    answers: dict[str, str]
    origin: str  # file the entry came from, for error messages


@dataclass(frozen=True)
class Unit:
    """One searchable row: a question variant (of a FAQ entry or a document), a FAQ answer or a
    document chunk."""

    unit_id: str
    kind: str  # "faq" | "document"
    doc_id: str
    role: str  # "question" | "answer" | "chunk"
    language: str | None
    title: str
    text: str
    source: dict[str, Any]
    faq_id: str | None = None
    answers: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def embed_text(self) -> str:
        # Chunks carry their document title so a chunk alone still says what it is about.
        if self.role == "chunk":
            return f"{self.title}\n{self.text}"
        return self.text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unit:
        return cls(**data)

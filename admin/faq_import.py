"""Reading candidate FAQ entries from a CSV or YAML file, each with the row or line it came from.

Nothing here writes: the result goes to admin.faq_checks before admin.faq_store writes it.
Both formats are documented in docs/faq-import.md (template: docs/faq-import-template.csv).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# CSV columns: required ones must be present in the header; optional ones may be left out.
REQUIRED_COLUMNS = ("id", "question_id", "question_en", "answer_id", "answer_en", "source_title")
OPTIONAL_COLUMNS = (
    "source_url",
    "source_publisher",
    "source_date",
    "source_accessed",
    "as_of",
    "volatile",
    "tags",
    "document",
)
VARIANT_SEPARATOR = "|"  # several question variants in one cell: "Kapan X? | X kapan?"
_TRUE = {"true", "yes", "ya", "1", "y"}
_FALSE = {"false", "no", "tidak", "0", "n", ""}


@dataclass
class Candidate:
    """One entry to add, in the content/faq/*.yml shape, and where it came from."""

    raw: dict[str, Any]
    where: str  # "file.csv row 3" (as the spreadsheet numbers it), "file.yml line 12", "faq add"
    # A sheet's row: each column's cell ("file.csv row 3, column E (answer_en)"), so messages
    # can name it, and what was wrong in its cells (admin/faq_sheet.py).
    columns: dict[str, str] | None = None
    problems: list[str] = field(default_factory=list)


class ImportFormatError(ValueError):
    """The file itself cannot be read (broken CSV/YAML, wrong header); lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _cell(row: dict[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _variants(text: str) -> list[str]:
    return [part.strip() for part in text.split(VARIANT_SEPARATOR) if part.strip()]


def _volatile(text: str, where: str, problems: list[str]) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered not in _FALSE:
        problems.append(f"{where}: 'volatile' must be true or false, got {text!r}")
    return False


def row_to_raw(row: dict[str, str | None], where: str, problems: list[str]) -> dict[str, Any]:
    """A CSV row as an entry mapping; empty cells become missing values for the checks."""
    raw: dict[str, Any] = {
        "id": _cell(row, "id") or None,
        "tags": [t.strip() for t in _cell(row, "tags").split(",") if t.strip()],
        "as_of": _cell(row, "as_of") or None,
        "volatile": _volatile(_cell(row, "volatile"), where, problems),
        "source": {
            "title": _cell(row, "source_title") or None,
            "publisher": _cell(row, "source_publisher") or None,
            "url": _cell(row, "source_url") or None,
            "date": _cell(row, "source_date") or None,
            "accessed": _cell(row, "source_accessed") or None,
            "document": _cell(row, "document") or None,
        },
        "questions": {
            "id": _variants(_cell(row, "question_id")),
            "en": _variants(_cell(row, "question_en")),
        },
        "answers": {"id": _cell(row, "answer_id"), "en": _cell(row, "answer_en")},
    }
    return raw


def read_csv(path: Path) -> list[Candidate]:
    from admin.faq_sheet import read_sheet  # it builds on this module's row_to_raw

    return read_sheet(path)


def read_yaml(path: Path) -> list[Candidate]:
    """A list of entries in the content/faq/*.yml format."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError([f"{path}: not UTF-8 text (byte {exc.start})"]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ImportFormatError([f"{path}{line}: broken YAML: {problem}"]) from exc
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise ImportFormatError([f"{path} line 1: must be a list of entries ('- id: ...')"])
    return [
        Candidate(raw, f"{path} line {item.start_mark.line + 1}")
        for raw, item in zip(data, node.value, strict=True)
    ]


def read_import_file(path: Path) -> list[Candidate]:
    if not path.is_file():
        raise ImportFormatError([f"{path}: file not found"])
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return read_csv(path)
    if suffix in (".yml", ".yaml"):
        return read_yaml(path)
    raise ImportFormatError([f"{path}: use a .csv, .xlsx, .yml or .yaml file"])

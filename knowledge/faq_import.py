"""Reading candidate FAQ entries from a CSV or YAML file, each with the row or line it came from.

Nothing here writes: the result goes to knowledge.faq_checks before knowledge.faq_store writes it.
Both formats are documented in docs/faq-import.md (template: docs/faq-import-template.csv).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
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
    """One entry to add, in the knowledge/faq/*.yml shape, and where it came from."""

    raw: dict[str, Any]
    where: str  # "file.csv row 3 (line 4)", "file.yml line 12", "faq add"


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
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often save a BOM
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            [f"{path}: not UTF-8 text (byte {exc.start}); save the sheet as 'CSV UTF-8'"]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    candidates: list[Candidate] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not header:
            raise ImportFormatError([f"{path}: the file is empty (no header row)"])
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        unknown = [h for h in header if h not in known]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if unknown:
            problems.append(f"{path} line 1: unknown column(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"{path} line 1: missing column(s) {', '.join(missing)}")
        if len(set(header)) != len(header):
            problems.append(f"{path} line 1: a column name appears twice")
        if problems:
            raise ImportFormatError(problems)
        number = 0
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines between rows
            number += 1
            where = f"{path} row {number} (line {reader.line_num})"
            if len(cells) != len(header):
                problems.append(
                    f"{where}: {len(cells)} cells but the header has {len(header)} columns "
                    "(a comma inside a cell needs the cell in double quotes)"
                )
                continue
            row = dict(zip(header, cells, strict=True))
            candidates.append(Candidate(row_to_raw(row, where, problems), where))
    except csv.Error as exc:
        problems.append(f"{path} line {reader.line_num}: broken CSV: {exc}")
    if problems:
        raise ImportFormatError(problems)
    return candidates


def read_yaml(path: Path) -> list[Candidate]:
    """A list of entries in the knowledge/faq/*.yml format."""
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
    if suffix == ".csv":
        return read_csv(path)
    if suffix in (".yml", ".yaml"):
        return read_yaml(path)
    raise ImportFormatError([f"{path}: use a .csv, .yml or .yaml file"])

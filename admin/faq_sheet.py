"""The FAQ as a spreadsheet: export every entry to .csv or .xlsx, read one back for import.

An exported sheet re-imported unchanged changes nothing (`faq import --update`): every field of
an entry has its column, question variants share a cell separated by " | ". CSV is written as
UTF-8 with a byte-order mark, so Excel and LibreOffice show Indonesian text right; .xlsx cells
are all text (dates stay YYYY-MM-DD, an answer starting with "=" is not a formula).

Problems name the cell as the spreadsheet shows it: row 1 is the header, row 2 the first entry,
columns by letter and header ("faq.csv row 5, column E (answer_en): ..."). Every cell is
checked and every problem reported at once (docs/faq-import.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from admin.faq_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    VARIANT_SEPARATOR,
    Candidate,
    ImportFormatError,
    row_to_raw,
)
from knowledge.faq import LANGUAGES
from knowledge.records import FaqEntry

# The export's column order: the template's (docs/faq-import-template.csv), then the rest.
COLUMNS = (
    "id", "question_id", "question_en", "answer_id", "answer_en", "source_title", "source_url",
    "source_publisher", "source_date", "source_accessed", "as_of", "volatile", "tags", "document",
)  # fmt: skip
MAX_SHEET_BYTES = 5 * 1024 * 1024  # far above the whole FAQ (about 0.2 MB); a bound on uploads
_KEBAB_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DATE_COLUMNS = ("source_date", "source_accessed", "as_of")
# A spreadsheet runs a CSV cell starting with one of these as a formula: the export writes such a
# cell with a leading apostrophe (shown, never run), which the import takes off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Where a check's message names an entry's field, the sheet's column that holds it.
FIELD_COLUMNS = {
    "questions.id": "question_id",
    "questions.en": "question_en",
    "answers.id": "answer_id",
    "answers.en": "answer_en",
    "source.title": "source_title",
    "source.url": "source_url",
    "source.publisher": "source_publisher",
    "source.date": "source_date",
    "source.accessed": "source_accessed",
    "source.document": "document",
    "as_of": "as_of",
    "volatile": "volatile",
    "tags": "tags",
    "tag": "tags",
}
_FIELD_RE = re.compile(
    r"\b(questions\.(?:id|en)|answers\.(?:id|en)|source\.(?:title|url|publisher|date|accessed|"
    r"document)|as_of|volatile|tags?)\b"
)
assert set(COLUMNS) == set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name of a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- export -------------------------------------------------------------------------------------


def entry_row(entry: FaqEntry) -> dict[str, str]:
    """One entry as the sheet's cells; variants never hold " | " (the checks refuse it)."""
    separator = f" {VARIANT_SEPARATOR} "
    return {
        "id": entry.faq_id,
        "question_id": separator.join(entry.questions["id"]),
        "question_en": separator.join(entry.questions["en"]),
        "answer_id": entry.answers["id"],
        "answer_en": entry.answers["en"],
        "source_title": entry.source.title,
        "source_url": entry.source.url or "",
        "source_publisher": entry.source.publisher or "",
        "source_date": entry.source.date or "",
        "source_accessed": entry.source.accessed or "",
        "as_of": entry.as_of or "",
        "volatile": "true" if entry.volatile else "false",
        "tags": ", ".join(entry.tags),
        "document": entry.document or "",
    }


def export_csv(entries: Iterable[FaqEntry]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads it as UTF-8), CRLF rows, quoted cells
    where needed (commas, quotes, line breaks)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        row = entry_row(entry)
        writer.writerow([_guarded(row[column]) for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _guarded(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unguarded(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def export_xlsx(entries: Iterable[FaqEntry]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "FAQ"
    sheet.append(list(COLUMNS))
    for entry in entries:
        row = entry_row(entry)
        sheet.append([row[column] for column in COLUMNS])
    widths = {"id": 30, "question_id": 50, "question_en": 50, "answer_id": 70, "answer_en": 70}
    for position, column in enumerate(COLUMNS):
        letter = column_letter(position)
        sheet.column_dimensions[letter].width = widths.get(column, 18)
    for cells in sheet.iter_rows():
        for cell in cells:
            # Text, whatever it looks like: no formula, no date the sheet would re-format.
            cell.data_type = "s"
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading a sheet ----------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """An .xlsx cell as the text an exported sheet had: a date typed into a cell comes back
    as YYYY-MM-DD, a whole number without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")  # spreadsheets often save a BOM
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            [f"{path}: not UTF-8 text (byte {exc.start}); save the sheet as 'CSV UTF-8'"]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        rows.extend([_unguarded(cell) for cell in record] for record in reader)
    except csv.Error as exc:
        # Each record is one spreadsheet row (a blank line too), the header being row 1.
        raise ImportFormatError(
            [f"{path} row {len(rows) + 1} (line {reader.line_num}): broken CSV: {exc}"]
        ) from exc
    return rows


def _xlsx_rows(path: Path, data: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise ImportFormatError([f"{path}: not an .xlsx workbook ({exc})"]) from exc
    try:
        sheet = book.worksheets[0]
        rows = [[_text_of(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    # Formatting alone can make trailing rows and columns exist: trim what holds nothing.
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    width = max((i + 1 for row in rows for i, cell in enumerate(row) if cell.strip()), default=0)
    return [row[:width] + [""] * (width - len(row)) for row in rows]


def sheet_rows(path: Path, data: bytes | None = None) -> list[list[str]]:
    """The cells of a .csv or .xlsx file, row by row as the spreadsheet numbers them."""
    if data is None:
        data = path.read_bytes()
    if len(data) > MAX_SHEET_BYTES:
        raise ImportFormatError([f"{path}: larger than {MAX_SHEET_BYTES // (1024 * 1024)} MB"])
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path, data)
    return _csv_rows(path, data)


def _cell_problems(row: dict[str, str], cell: dict[str, str]) -> list[str]:
    """Each cell on its own, so that one row's problems all show at once."""
    problems: list[str] = []

    def say(column: str, text: str) -> None:
        problems.append(f"{cell[column]}: {text}")

    value = row.get("id", "").strip()
    if not value:
        say("id", "empty; every entry needs an id, e.g. library-opening-hours")
    elif not _KEBAB_RE.match(value):
        say("id", f"{value!r} is not a valid id: use a-z, 0-9 and '-' (e.g. library-hours)")
    for column, what in (
        ("question_id", "the question in Indonesian"),
        ("question_en", "the question in English"),
        ("answer_id", "the answer in Indonesian"),
        ("answer_en", "the answer in English"),
        ("source_title", "where the facts come from"),
    ):
        if not row.get(column, "").strip():
            say(column, f"empty; write {what} (every entry needs Indonesian and English)")
    for column in ("question_id", "question_en"):
        text = row.get(column, "")
        if text.strip() and any(not part.strip() for part in text.split(VARIANT_SEPARATOR)):
            say(column, f"an empty question between the '{VARIANT_SEPARATOR}' separators")
    url = row.get("source_url", "").strip()
    if url and not url.startswith(("http://", "https://")):
        say("source_url", f"{url!r} is not a web address: it must start with http:// or https://")
    for column in _DATE_COLUMNS:
        value = row.get(column, "").strip()
        if not value or column not in cell:
            continue
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            say(column, f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01")
    volatile = row.get("volatile", "").strip().lower()
    if volatile and volatile not in {"true", "false", "yes", "no", "ya", "tidak", "1", "0"}:
        say("volatile", f"{volatile!r}: write true (the facts change) or false")
    elif volatile in {"true", "yes", "ya", "1"} and not row.get("as_of", "").strip():
        target = "as_of" if "as_of" in cell else "volatile"
        say(target, "the facts change (volatile is true), so as_of must give the date they "
            "were true, YYYY-MM-DD")  # fmt: skip
    return problems


def read_sheet(path: Path, data: bytes | None = None) -> list[Candidate]:
    """Candidates from a .csv or .xlsx sheet. A problem with the header (a required column
    missing or twice) raises ImportFormatError; problems in cells travel with each row's
    candidate (Candidate.problems), so the checks report them with every other problem."""
    rows = sheet_rows(path, data)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportFormatError([f"{path}: the sheet is empty (row 1 must be the header)"])
    header = [cell.strip() for cell in rows[0]]
    while header and not header[-1]:
        header.pop()
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    fatal: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        fatal.append(f"{path} row 1: missing column(s) {', '.join(missing)}")
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        fatal.append(f"{path} row 1: column(s) {', '.join(twice)} appear twice")
    if fatal:
        raise ImportFormatError(fatal)
    problems_all: list[str] = []
    for position, name in enumerate(header):
        if name not in known:
            problems_all.append(
                f"{path} row 1, column {column_letter(position)} ({name or 'no name'}): "
                f"unknown column; the columns are {', '.join(COLUMNS)}"
            )
    candidates: list[Candidate] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # an empty row between entries
        where = f"{path} row {number}"
        cell = {
            name: f"{where}, column {column_letter(position)} ({name})"
            for position, name in enumerate(header)
            if name in known
        }
        problems = list(problems_all)
        problems_all = []  # header problems are told once, with the first row
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            problems.append(
                f"{where}: {len(header) + len(extra)} cells but the header has {len(header)} "
                "columns (a comma inside a cell needs the cell in double quotes)"
            )
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        row = {name: value for name, value in row.items() if name in known}
        problems.extend(_cell_problems(row, cell))
        raw = row_to_raw(row, where, [])
        candidates.append(Candidate(raw, where, columns=cell, problems=problems))
    if problems_all:
        raise ImportFormatError(problems_all)
    return candidates


# Where each column's value sits in an entry mapping (the content/faq/*.yml shape).
_COLUMN_PATHS = {
    "source_url": ("source", "url"),
    "source_publisher": ("source", "publisher"),
    "source_date": ("source", "date"),
    "source_accessed": ("source", "accessed"),
    "as_of": ("as_of",),
    "volatile": ("volatile",),
    "tags": ("tags",),
    "document": ("source", "document"),
}


def keep_absent_columns(raw: dict[str, Any], candidate: Candidate, old: dict[str, Any]) -> None:
    """An update from a sheet without some optional columns (the template has fewer than an
    export): the entry keeps its values for those, rather than losing them."""
    present = {column.split("(")[-1].rstrip(")") for column in (candidate.columns or {}).values()}
    for column, path in _COLUMN_PATHS.items():
        if column in present:
            continue
        source, target = old, raw
        for key in path[:-1]:
            source, target = source.get(key) or {}, target.setdefault(key, {})
        target[path[-1]] = source.get(path[-1])


def name_cell(message: str, candidate: Candidate) -> str:
    """A check's message about a sheet row, with the column it is about and that column's
    header for the entry's field name: "faq.csv row 5, column E (answer_en): answer_en is..."."""
    columns = candidate.columns
    if not columns or not message.startswith(candidate.where):
        return message
    rest = message[len(candidate.where) :]
    rest = re.sub(r"^ \([a-z0-9-]+\)", "", rest)  # parse_faq_entry's "(id)" after the row
    column = _column_of(rest, candidate)
    if column is None or column not in columns:
        return message
    rest = _FIELD_RE.sub(lambda m: FIELD_COLUMNS[m.group(1)], rest)
    return columns[column] + rest


def _column_of(text: str, candidate: Candidate) -> str | None:
    if "duplicate id" in text or "'id'" in text or text.startswith(": id is "):
        return "id"
    if "no date:" in text:
        return next((c for c in _DATE_COLUMNS if c in (candidate.columns or {})), None)
    quoted = re.search(r"(?:question|of FAQ .*?\): |contradict FAQ .*?\): )'([^']*)'", text)
    if "already asked" in text or "near-duplicate" in text or "may contradict" in text:
        asked = quoted.group(1) if quoted else ""
        for lang in LANGUAGES:
            if asked in candidate.raw.get("questions", {}).get(lang, []):
                return f"question_{lang}"
        return "question_id"
    said = re.search(r"answers\.(id|en) must say when", text)
    if said:
        return f"answer_{said.group(1)}"
    variants = re.search(r"question variants in (id|en)", text)
    if variants:
        return f"question_{variants.group(1)}"
    field = _FIELD_RE.search(text)
    return FIELD_COLUMNS[field.group(1)] if field else None

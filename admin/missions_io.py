"""Staff import and export of the mission directory (content/missions.yml): rows of missions
from a CSV or YAML file, added or updated by id; the directory as a spreadsheet-friendly CSV.

An import is all or nothing. Every row is checked at once (the directory's own checks from
knowledge.missions, plus those only an import needs: unknown columns, duplicate ids in the file,
dates of sources), then the whole directory as it would be (schema, duplicates, every country of
the world still served), then the new file text is loaded back from a scratch copy, and only then
does it replace the old file atomically. Only the changed missions' lines are rewritten: the file's
header, comments and the other entries stay as they were. Formats: docs/missions.md.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from admin.atomic import write_text_atomic
from knowledge.faq import LANGUAGES
from knowledge.missions import (
    CONTACT_FIELDS,
    Directory,
    MissionDataError,
    _mission_problems,
    check,
    coverage,
    load_directory,
)

# Keys of one mission in the order the file writes them; the optional ones are left out when empty.
MISSION_KEYS = (
    "id", "kind", "name", "city", "country", "covers", "covers_regions", "covers_organizations",
    "covers_source", "looks_after", "looks_after_source", *CONTACT_FIELDS, "notes",
)  # fmt: skip
OPTIONAL_LISTS = ("covers_regions", "covers_organizations", "looks_after", "looks_after_source")
CODE_LISTS = ("covers", "looks_after")  # ISO codes
ID_LISTS = ("covers_source", "looks_after_source")  # source ids
NAME_LISTS = ("covers_regions", "covers_organizations")  # names, which may hold commas
SECOND_SOURCE = ("phone", "hotline")  # the contacts a second source may confirm
SOURCE_KEYS = ("id", "title", "url", "date")

# CSV columns, in the export's order. Lists of codes and source ids are separated by commas,
# lists of names by " | " (a region or organisation may contain a comma).
CSV_COLUMNS = (
    "id", "kind", "name_id", "name_en", "city_id", "city_en", "country", "covers",
    "covers_regions", "covers_organizations", "covers_source", "looks_after",
    "looks_after_source",
    *(f"{name}{suffix}" for name in CONTACT_FIELDS
      for suffix in ("", "_source", *(("_second_source",) if name in SECOND_SOURCE else ()))),
    "notes",
)  # fmt: skip
SOURCE_CSV_COLUMNS = SOURCE_KEYS
NAME_SEPARATOR = "|"
# A spreadsheet runs a cell that starts with one of these as a formula (and a web page's text
# may be made to): the export puts an apostrophe before it, the import takes it off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_PLAIN = re.compile(r"[a-z0-9][a-z0-9-]*")
# YAML reads these as line breaks even inside double quotes: written escaped.
_YAML_BREAKS = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


class ImportRefused(ValueError):
    """The import file or the directory it would give fails its checks; lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Row:
    """One mission from the import file: the fields it gives, and where it came from."""

    values: dict[str, Any]
    where: str  # "new.csv row 3 (line 4)", "new.yml line 12"


@dataclass
class ImportFile:
    rows: list[Row]
    sources: list[Row] = field(default_factory=list)


@dataclass
class Plan:
    """What an import changes: the new file text and a line per change for the change log."""

    text: str
    added: list[str]
    changed: dict[str, list[str]]  # mission id -> "phone: 'old' -> 'new'"
    sources: list[str]  # "added source `x`: title (date)"
    unchanged: int
    missions: int  # in the directory afterwards

    @property
    def changes(self) -> bool:
        return bool(self.added or self.changed or self.sources)

    def changelog_lines(self) -> list[str]:
        lines = list(self.sources)
        lines += [f"added mission `{mission_id}`" for mission_id in self.added]
        for mission_id, diffs in self.changed.items():
            lines.append(f"changed mission `{mission_id}`: {'; '.join(diffs)}")
        return lines


# --- reading an import file ---------------------------------------------------------------------


def read_import_file(path: Path, sources_csv: Path | None = None) -> ImportFile:
    if not path.is_file():
        raise ImportRefused([f"{path}: file not found"])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        found = ImportFile(_read_csv(path, CSV_COLUMNS, "id", _mission_from_cells))
    elif suffix in (".yml", ".yaml"):
        found = _read_yaml(path)
    else:
        raise ImportRefused([f"{path}: use a .csv, .yml or .yaml file"])
    if sources_csv is not None:
        if not sources_csv.is_file():
            raise ImportRefused([f"{sources_csv}: file not found"])
        found.sources += _read_csv(sources_csv, SOURCE_CSV_COLUMNS, "id", _source_from_cells)
    return found


def _read_csv(path: Path, columns: Iterable[str], required: str, convert: Any) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets save a BOM
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            [f"{path}: not UTF-8 text (byte {exc.start}); save the sheet as 'CSV UTF-8'"]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    rows: list[Row] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise ImportRefused([f"{path}: the file is empty (no header row)"])
        unknown = [h for h in header if h not in columns]
        if unknown:
            problems.append(f"{path} line 1: unknown column(s) {', '.join(unknown)}")
        if required not in header:
            problems.append(f"{path} line 1: missing column {required}")
        if len(set(header)) != len(header):
            problems.append(f"{path} line 1: a column name appears twice")
        if problems:
            raise ImportRefused(problems)
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
            cell = {h: _unguard(c) for h, c in zip(header, cells, strict=True)}
            rows.append(Row(convert(cell), where))
    except csv.Error as exc:
        problems.append(f"{path} line {reader.line_num}: broken CSV: {exc}")
    if problems:
        raise ImportRefused(problems)
    return rows


def _split(text: str, separator: str | None) -> list[str]:
    parts = text.split(separator) if separator else re.split(r"[,\s]+", text)
    return [part.strip() for part in parts if part.strip()]


def _mission_from_cells(cell: dict[str, str]) -> dict[str, Any]:
    """The fields a CSV row gives, as missions.yml writes them; a column the file leaves out is
    not given (an update keeps what the directory has), an empty cell clears the field."""
    values: dict[str, Any] = {}
    for key in ("id", "kind", "country", "notes"):
        if key in cell:
            text = cell[key].strip()
            values[key] = text.upper() if key == "country" else text or None
    for key in ("name", "city"):
        if any(f"{key}_{lang}" in cell for lang in LANGUAGES):
            values[key] = {lang: cell.get(f"{key}_{lang}", "").strip() for lang in LANGUAGES}
    for key in (*CODE_LISTS, *ID_LISTS, *NAME_LISTS):
        if key in cell:
            items = _split(cell[key], NAME_SEPARATOR if key in NAME_LISTS else None)
            values[key] = [i.upper() for i in items] if key in CODE_LISTS else items
    for name in CONTACT_FIELDS:
        parts = ("value", "source", *(("second_source",) if name in SECOND_SOURCE else ()))
        columns = {part: name if part == "value" else f"{name}_{part}" for part in parts}
        if any(column in cell for column in columns.values()):
            values[name] = {
                part: (cell[column].strip() or None) if column in cell else _KEEP
                for part, column in columns.items()
            }
    return values


def _source_from_cells(cell: dict[str, str]) -> dict[str, Any]:
    return {key: cell[key].strip() or None for key in SOURCE_KEYS if key in cell}


class _Keep:
    """A contact part whose column the CSV leaves out: the directory's value stays."""

    def __repr__(self) -> str:
        return "<keep>"


_KEEP = _Keep()


def _read_yaml(path: Path) -> ImportFile:
    """Either a list of missions, or a mapping with `missions:` (and `sources:`), as in
    missions.yml; each item names the line it starts on."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise ImportRefused([f"{path}: not UTF-8 text (byte {exc.start})"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ImportRefused([f"{path}{line}: broken YAML: {problem}"]) from exc
    if data is None:
        return ImportFile([])
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
        return ImportFile(_yaml_rows(path, data, node))
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        unknown = [key for key in data if key not in ("missions", "sources")]
        if unknown:
            raise ImportRefused([f"{path}: unknown key(s) {', '.join(map(str, unknown))}"])
        nodes = {key.value: value for key, value in node.value}
        found = ImportFile([])
        for key in ("missions", "sources"):
            items = data.get(key) or []
            if not isinstance(items, list):
                raise ImportRefused([f"{path}: `{key}:` must be a list"])
            rows = _yaml_rows(path, items, nodes[key]) if items else []
            setattr(found, "rows" if key == "missions" else "sources", rows)
        return found
    raise ImportRefused([f"{path} line 1: a list of missions ('- id: ...'), or `missions:`"])


def _yaml_rows(path: Path, items: list[Any], node: yaml.Node) -> list[Row]:
    rows = []
    for item, item_node in zip(items, node.value, strict=True):
        values = copy.deepcopy(item) if isinstance(item, dict) else {"_not_a_mapping": item}
        rows.append(Row(values, f"{path} line {item_node.start_mark.line + 1}"))
    return rows


# --- checking and merging -----------------------------------------------------------------------


def plan_import(directory_file: Path, incoming: ImportFile, today: dt.date | None = None) -> Plan:
    """The directory file as it would be after the import, checked; ImportRefused lists every
    problem (each with the row and field) when anything is wrong. Writes nothing."""
    text = directory_file.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if check(raw):
        raise ImportRefused(
            [f"{directory_file} fails its own checks; fix it first (python -m admin validate)"]
        )
    today = today or dt.datetime.now(dt.UTC).date()
    problems: list[str] = []
    existing_sources = {s["id"]: s for s in raw["sources"]}
    sources = dict(existing_sources)
    source_lines: list[str] = []
    seen_sources: dict[str, str] = {}
    for row in incoming.sources:
        found = _source_problems(row.values, today)
        source_id = row.values.get("id")
        if isinstance(source_id, str) and source_id in seen_sources:
            found.append(f"duplicate source id {source_id!r} (also at {seen_sources[source_id]})")
        if found:
            problems += [f"{row.where}: {p}" for p in found]
            continue
        seen_sources[source_id] = row.where
        new = {key: row.values.get(key) for key in SOURCE_KEYS}
        old = existing_sources.get(source_id)
        if old is None:
            source_lines.append(f"added source `{source_id}`: {new['title']} ({new['date']})")
        elif _source_text(old) != _source_text(new):
            diffs = [
                f"{k} {old.get(k)!r} -> {new[k]!r}" for k in SOURCE_KEYS if old.get(k) != new[k]
            ]
            source_lines.append(f"changed source `{source_id}`: {'; '.join(diffs)}")
        sources[source_id] = new
    source_ids = set(sources)

    missions = {m["id"]: m for m in raw["missions"]}
    merged: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for row in incoming.rows:
        mission_id = row.values.get("id")
        if not isinstance(mission_id, str) or not mission_id:
            problems.append(f"{row.where}: id: every row needs the mission's id")
            continue
        where = f"{row.where} ({mission_id})"
        if mission_id in seen:
            problems.append(
                f"{where}: id: duplicate id {mission_id!r} (also at {seen[mission_id]})"
            )
            continue
        seen[mission_id] = row.where
        found = _row_problems(row.values)
        mission = _apply(missions.get(mission_id), row.values) if not found else None
        if mission is not None:
            found += list(_mission_problems(mission, source_ids))
            found += _source_list_problems(mission, source_ids)
            found += _restated_problems(missions.get(mission_id), mission, set(seen_sources))
        if found:
            problems += [f"{where}: {p}" for p in found]
            continue
        assert mission is not None
        merged[mission_id] = mission
    if problems:
        raise ImportRefused(problems)

    new_raw = copy.deepcopy(raw)
    new_raw["sources"] = list(sources.values())
    new_raw["missions"] = [merged.pop(m["id"], m) for m in raw["missions"]] + list(merged.values())
    # The directory as a whole: what no single row shows (a website or name another mission
    # has, a second embassy in a country, a no_mission entry a new mission now covers).
    problems += [f"the directory after the import: {p}" for p in check(new_raw)]
    problems += [f"the directory after the import: {p}" for p in directory_problems(new_raw)]
    if problems:
        raise ImportRefused(problems)
    added = [m["id"] for m in new_raw["missions"] if m["id"] not in missions]
    changed = {
        m["id"]: _diff(missions[m["id"]], m)
        for m in new_raw["missions"]
        if m["id"] in missions and render_mission(m) != render_mission(missions[m["id"]])
    }
    new_text = _rewrite(text, raw, new_raw, sources, existing_sources)
    # Every country of the world must still reach a mission or a documented no_mission entry.
    unresolved = coverage(_load_back(directory_file, new_text, new_raw)).get("unresolved", [])
    if unresolved:
        raise ImportRefused(
            [
                f"the directory after the import: {', '.join(sorted(unresolved))} would resolve "
                "to no mission (an accreditation removed?): keep it, or add a no_mission entry "
                "saying why"
            ]
        )
    return Plan(
        new_text,
        added,
        changed,
        source_lines,
        unchanged=len(incoming.rows) - len(added) - len(changed),
        missions=len(new_raw["missions"]),
    )


def _row_problems(values: dict[str, Any]) -> list[str]:
    """What a row gets wrong before it can be merged: unknown fields, wrong shapes."""
    if "_not_a_mapping" in values:
        return ["not a mapping of a mission's fields"]
    problems = [f"{key}: unknown field" for key in values if key not in MISSION_KEYS]
    for key in ("name", "city"):
        if key in values and not isinstance(values[key], dict):
            problems.append(f"{key}: needs {{id, en}}")
    for key in (*CODE_LISTS, *ID_LISTS, *NAME_LISTS):
        if key in values and not (
            isinstance(values[key], list) and all(isinstance(v, str) for v in values[key])
        ):
            problems.append(f"{key}: needs a list of texts")
    for name in CONTACT_FIELDS:
        contact = values.get(name)
        if name not in values:
            continue
        if not isinstance(contact, dict):
            problems.append(f"{name}: needs {{value, source}} (value null when no source gives it)")
            continue
        allowed = {"value", "source", *(("second_source",) if name in SECOND_SOURCE else ())}
        problems += [f"{name}: unknown part {part!r}" for part in contact if part not in allowed]
        value = contact.get("value")
        if value is not None and value is not _KEEP and not isinstance(value, str):
            # A number YAML reads as an integer has lost its leading zero or plus sign.
            problems.append(f"{name}: the value must be text, in quotes (got {value!r})")
    notes = values.get("notes")
    if notes is not None and not isinstance(notes, str):
        problems.append("notes: must be text")
    return problems


def _apply(existing: dict[str, Any] | None, values: dict[str, Any]) -> dict[str, Any]:
    """The mission after the row: the row's fields over the directory's (a new mission starts
    empty), in the file's key order, optional lists left out when empty."""
    base = copy.deepcopy(existing) if existing is not None else {"covers": []}
    for name in CONTACT_FIELDS:
        if name in values:
            old = base.get(name) or {}
            base[name] = {
                part: old.get(part) if value is _KEEP else value
                for part, value in values[name].items()
            }
    for key, value in values.items():
        if key not in CONTACT_FIELDS:
            base[key] = copy.deepcopy(value)
    for name in CONTACT_FIELDS:
        contact = base.get(name) or {}
        parts = ("value", "source", *(("second_source",) if name in SECOND_SOURCE else ()))
        base[name] = {part: contact.get(part) for part in parts}
    base.setdefault("covers_source", [])
    mission = {}
    for key in MISSION_KEYS:
        if key not in base:
            continue
        if key in OPTIONAL_LISTS and not base[key]:
            continue
        if key == "notes" and not base[key]:
            continue
        mission[key] = base[key]
    return mission


def _source_list_problems(mission: dict[str, Any], source_ids: set[str]) -> list[str]:
    """What a mission's area rests on must be said: covers_source names listed sources."""
    problems = []
    listed = mission.get("covers_source") or []
    if (mission.get("covers") or mission.get("covers_regions")) and not listed:
        problems.append("covers_source: the countries and regions covered need their source")
    problems += [
        f"covers_source: {s!r} is not a listed source" for s in listed if s not in source_ids
    ]
    return problems


def _restated_problems(
    old: dict[str, Any] | None, new: dict[str, Any], renewed: set[str]
) -> list[str]:
    """A changed contact needs a source that says so: another source, or its source read again
    (in this import's sources, with the new date). Otherwise the card would show the new value
    "as of" the date of a source that gave the old one. A second source must be another one."""
    problems = []
    for name in CONTACT_FIELDS:
        contact = new[name]
        if contact.get("second_source") and contact["second_source"] == contact.get("source"):
            problems.append(f"{name}: second_source must be another source than source")
        before = (old or {}).get(name) or {}
        if (
            old is not None
            and contact.get("value") is not None
            and contact.get("value") != before.get("value")
            and contact.get("source") == before.get("source")
            and contact.get("source") not in renewed
        ):
            problems.append(
                f"{name}: the value changed but its source {contact.get('source')!r} did not: "
                "give the source you read it in (a new one, or this one with the date you read "
                "it again, in the sources file)"
            )
    return problems


def _source_problems(values: dict[str, Any], today: dt.date) -> list[str]:
    """A source: an id to cite it by, a title, an http(s) address when given, and its date (as
    of when its facts were read or published, YYYY-MM-DD, not in the future)."""
    problems = [f"{key}: unknown field" for key in values if key not in SOURCE_KEYS]
    source_id = values.get("id")
    if not isinstance(source_id, str) or not _SOURCE_ID.fullmatch(source_id):
        problems.append("id: needs a kebab-case id (a-z, 0-9, '-')")
    if not isinstance(values.get("title"), str) or not values["title"].strip():
        problems.append("title: every source needs its title")
    url = values.get("url")
    if url is not None and (not isinstance(url, str) or not re.fullmatch(r"https?://\S+", url)):
        problems.append(f"url: not an http(s):// address: {url!r}")
    date = values.get("date")
    if not isinstance(date, str) or not _DATE.fullmatch(date):
        problems.append(
            f"date: needs YYYY-MM-DD, when the source was published or read (got {date!r})"
        )
    else:
        try:
            if dt.date.fromisoformat(date) > today:
                problems.append(f"date: {date} is in the future")
        except ValueError:
            problems.append(f"date: {date} is not a date")
    return problems


def _diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    diffs = []
    for key in MISSION_KEYS:
        if old.get(key) != new.get(key):
            diffs.append(f"{key} {_shown(old.get(key))} -> {_shown(new.get(key))}")
    return diffs


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "value" in value:
        source = f" ({value.get('source')})" if value.get("value") is not None else ""
        return f"{value.get('value')!r}{source}"
    return repr(value)


def _load_back(directory_file: Path, text: str, expected: dict[str, Any]) -> Directory:
    """The new text must load (every check) and hold exactly what was planned."""
    with tempfile.TemporaryDirectory(prefix="missions-load-") as tmp:
        scratch = Path(tmp) / directory_file.name
        scratch.write_text(text, encoding="utf-8")
        try:
            loaded = load_directory(scratch)
        except MissionDataError as exc:
            raise ImportRefused([f"the new file does not load back: {exc}"]) from exc
    if yaml.safe_load(text) != expected:
        raise ImportRefused(["the new file does not hold what was planned; nothing written"])
    return loaded


def directory_problems(raw: dict[str, Any], today: dt.date | None = None) -> list[str]:
    """What the per-mission checks cannot see: a website or name two missions share, two
    embassies in one country, a country accredited to two embassies, a host missing from its
    mission's covers, a source without a real date (every contact's "as of")."""
    today = today or dt.datetime.now(dt.UTC).date()
    problems = []
    missions = [m for m in raw["missions"] if isinstance(m, dict)]
    owners: dict[tuple[str, str], str] = {}
    for mission in missions:
        mission_id = mission.get("id")
        website = (mission.get("website") or {}).get("value")
        keys = [("website", website)] + [
            (f"name.{lang}", (mission.get("name") or {}).get(lang)) for lang in LANGUAGES
        ]
        if mission.get("kind") == "embassy":
            keys.append(("embassy in", mission.get("country")))
            keys += [
                ("embassy accredited to", code)
                for code in mission.get("covers") or []
                if code != mission.get("country")
            ]
        for key in keys:
            if key[1] is None:
                continue
            if key in owners and owners[key] != mission_id:
                problems.append(f"{mission_id}: {key[0]} {key[1]!r} is also {owners[key]}'s")
            owners.setdefault(key, str(mission_id))
        covers = mission.get("covers") or []
        if len(covers) != len(set(covers)):
            problems.append(f"{mission_id}: covers: a country is listed twice")
        if mission.get("kind") != "permanent-mission" and mission.get("country") not in covers:
            problems.append(f"{mission_id}: covers: must include its host country")
    for source in raw.get("sources") or []:
        if isinstance(source, dict):
            where = f"source {source.get('id')}"
            problems += [f"{where}: {p}" for p in _source_problems(source, today)]
    return problems


# --- writing the file ---------------------------------------------------------------------------


def _quoted(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    for char, escape in _YAML_BREAKS.items():
        text = text.replace(char, escape)
    return text


def _scalar(value: Any, plain: bool = False) -> str:
    if value is None:
        return "null"
    if plain and isinstance(value, str) and _PLAIN.fullmatch(value) and value not in _YAML_WORDS:
        return value
    return _quoted(str(value))


# Plain words YAML 1.1 reads as something else than text.
_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n", "-"})


def _flow(mapping: dict[str, Any], plain_keys: tuple[str, ...] = ()) -> str:
    items = ", ".join(f"{k}: {_scalar(v, k in plain_keys)}" for k, v in mapping.items())
    return "{" + items + "}"


def render_mission(mission: dict[str, Any]) -> str:
    """One mission as missions.yml writes it (flow mappings for names and contacts)."""
    lines = []
    for key in MISSION_KEYS:
        if key not in mission:
            continue
        value = mission[key]
        if key in ("id", "kind"):
            shown = _scalar(value, plain=True)
        elif key in ("name", "city"):
            shown = _flow(value)
        elif key in ID_LISTS:
            shown = "[" + ", ".join(_scalar(v, plain=True) for v in value) + "]"
        elif key in (*CODE_LISTS, *NAME_LISTS):
            shown = "[" + ", ".join(_quoted(v) for v in value) + "]"
        elif key in CONTACT_FIELDS:
            shown = _flow(value, plain_keys=("source", "second_source"))
        else:
            shown = _scalar(value)
        lines.append(f"{'  - ' if key == 'id' else '    '}{key}: {shown}")
    return "\n".join(lines) + "\n"


def render_source(source: dict[str, Any]) -> str:
    return "  - " + _flow({k: source.get(k) for k in SOURCE_KEYS}, plain_keys=("id",))


def _source_text(source: dict[str, Any]) -> str:
    return render_source(source)


def _item_spans(text: str, key: str) -> dict[str, tuple[int, int, int]]:
    """Where each item (by id) of the top-level list `key` sits in the text: from the start of
    its "- " line to the end of its last line (comments and blank lines after it excluded), and
    where its node ends (a comment after a one-line item stays when the item is replaced)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    sequence = next(v for k, v in root.value if k.value == key)
    spans = {}
    items = sequence.value
    for position, item in enumerate(items):
        ids = [v.value for k, v in item.value if k.value == "id"]
        start = text.rfind("\n", 0, item.start_mark.index) + 1
        if position + 1 < len(items):
            end = text.rfind("\n", 0, items[position + 1].start_mark.index) + 1
        else:
            end = text.find("\n", item.end_mark.index - 1) + 1 or len(text)
        lines = text[start:end].splitlines(keepends=True)
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            lines.pop()
        spans[ids[0]] = (start, start + sum(len(line) for line in lines), item.end_mark.index)
    return spans


def _rewrite(
    text: str,
    raw: dict[str, Any],
    new_raw: dict[str, Any],
    sources: dict[str, dict[str, Any]],
    existing_sources: dict[str, dict[str, Any]],
) -> str:
    """The file with changed items replaced in place and new ones added at the end of their
    list; everything else, comments included, byte for byte as it was."""
    edits: list[tuple[int, int, str]] = []
    source_spans = _item_spans(text, "sources")
    for source_id, source in sources.items():
        old = existing_sources.get(source_id)
        if old is not None and _source_text(old) != _source_text(source):
            start, _, node_end = source_spans[source_id]
            # Only the mapping is replaced: a comment after it on its line stays.
            edits.append((start, node_end, render_source(source)))
    new_sources = [s for i, s in sources.items() if i not in existing_sources]
    if new_sources:
        end = max(span[1] for span in source_spans.values())
        block = "".join(render_source(s) + "\n" for s in new_sources)
        edits.append((end, end, ("" if text[end - 1] == "\n" else "\n") + block))
    old_missions = {m["id"]: m for m in raw["missions"]}
    spans = _item_spans(text, "missions")
    for mission in new_raw["missions"]:
        old = old_missions.get(mission["id"])
        if old is not None and render_mission(old) != render_mission(mission):
            start, end, _ = spans[mission["id"]]
            edits.append((start, end, render_mission(mission).rstrip("\n") + "\n"))
    added = [m for m in new_raw["missions"] if m["id"] not in old_missions]
    if added:
        end = max(span[1] for span in spans.values())
        block = "".join(render_mission(m) for m in added)
        edits.append((end, end, ("" if text[end - 1] == "\n" else "\n") + block))
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        # A replaced item's span ends at its last line's end: keep that line break.
        if end > start and text[end - 1] == "\n" and not replacement.endswith("\n"):
            replacement += "\n"
        text = text[:start] + replacement + text[end:]
    return text


def write_directory(directory_file: Path, plan: Plan, expected_before: str) -> None:
    """Replace the file atomically, unless someone changed it since the plan was made."""
    if directory_file.read_text(encoding="utf-8") != expected_before:
        raise ImportRefused(
            [f"{directory_file} changed while the import was checked; run it again"]
        )
    write_text_atomic(directory_file, plan.text)


# --- export -------------------------------------------------------------------------------------


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unguard(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def mission_cells(mission: dict[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for key in ("id", "kind", "country"):
        cells[key] = mission.get(key) or ""
    for key in ("name", "city"):
        for lang in LANGUAGES:
            cells[f"{key}_{lang}"] = mission[key].get(lang) or ""
    for key in (*CODE_LISTS, *ID_LISTS):
        cells[key] = ", ".join(mission.get(key) or [])
    for key in NAME_LISTS:
        cells[key] = f" {NAME_SEPARATOR} ".join(mission.get(key) or [])
    for name in CONTACT_FIELDS:
        contact = mission.get(name) or {}
        cells[name] = contact.get("value") or ""
        cells[f"{name}_source"] = contact.get("source") or ""
        if name in SECOND_SOURCE:
            cells[f"{name}_second_source"] = contact.get("second_source") or ""
    cells["notes"] = mission.get("notes") or ""
    return cells


def export_csv(directory_file: Path) -> tuple[str, str]:
    """(missions CSV, sources CSV): every mission and source as rows, UTF-8 with a BOM (so a
    spreadsheet reads the accents), cells that would run as formulas guarded."""
    raw = yaml.safe_load(directory_file.read_text(encoding="utf-8"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for mission in raw["missions"]:
        writer.writerow({k: _guard(v) for k, v in mission_cells(mission).items()})
    sources = io.StringIO()
    source_writer = csv.DictWriter(sources, fieldnames=SOURCE_CSV_COLUMNS)
    source_writer.writeheader()
    for source in raw["sources"]:
        source_writer.writerow({k: _guard(str(source.get(k) or "")) for k in SOURCE_KEYS})
    return "\ufeff" + out.getvalue(), "\ufeff" + sources.getvalue()


def write_private(path: Path, text: str) -> None:
    """Write atomically, readable by its owner only (0600): an export is a working copy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

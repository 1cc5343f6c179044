"""Per-entry history of the FAQ: every version of every entry, who made it, when and how.

Each write to content/faq/ by the command line (`faq add`, `faq import`, `faq revert`) or the
staff console (publish, edit, retire, import, undo, revert) appends one record per entry it
changed to content/faq-history.jsonl: the entry before and after (the content/faq/*.yml
mapping, or null when it did not exist), numbered. `faq history ID` lists them; `faq revert ID
N` (or the console's Revert) puts the entry back as it was after record N, through the same
checks as any change. Kept with the content it describes (committed with knowledge/), never
pruned: about 4.6 KB a record.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from admin.atomic import write_text_atomic
from admin.faq_import import Candidate
from knowledge.faq import parse_faq_entry
from knowledge.records import FaqEntry, KnowledgeInputError

FILE_NAME = "faq-history.jsonl"


@dataclass(frozen=True)
class HistoryRecord:
    seq: int
    at: str  # UTC, ISO seconds
    by: str
    via: str  # "faq import sheet.csv", "staff console: edit", ...
    faq_id: str
    action: str  # added | changed | retired
    file: str  # the file in content/faq/ (after the change; before it for a retirement)
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def summary(self) -> str:
        """What changed, in a few words: the fields that differ."""
        if self.before is None or self.after is None:
            return self.action
        fields = [
            key
            for key in ("questions", "answers", "source", "as_of", "volatile", "tags")
            if self.before.get(key) != self.after.get(key)
        ]
        return f"changed {', '.join(fields)}" if fields else "changed layout"


def history_path(knowledge_dir: Path) -> Path:
    return knowledge_dir / FILE_NAME


def read_history(knowledge_dir: Path) -> list[HistoryRecord]:
    path = history_path(knowledge_dir)
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            records.append(HistoryRecord(**json.loads(line)))
    return records


def entry_history(knowledge_dir: Path, faq_id: str) -> list[HistoryRecord]:
    """The entry's records, newest first."""
    return [r for r in reversed(read_history(knowledge_dir)) if r.faq_id == faq_id]


def _entries_of(text: str, file: str) -> dict[str, dict[str, Any]]:
    """id -> the entry's normalised mapping, for the entries a file's text holds."""
    from admin.faq_store import entry_mapping

    try:
        data = yaml.safe_load(text) if text.strip() else []
    except yaml.YAMLError:
        return {}
    out = {}
    for index, raw in enumerate(data if isinstance(data, list) else []):
        try:
            entry = parse_faq_entry(raw, f"{file} entry {index + 1}")
        except KnowledgeInputError:
            continue
        out[entry.faq_id] = entry_mapping(entry)
    return out


def record_changes(
    knowledge_dir: Path,
    files: list[tuple[str, str, str]],
    by: str,
    via: str,
    now: dt.datetime | None = None,
) -> list[HistoryRecord]:
    """Append a record for each entry that differs between the files' texts before and after
    (file name in content/faq/, text before, text after); an entry moved between files is one
    change. Written atomically (the whole file), like the change log."""
    before: dict[str, tuple[str, dict[str, Any]]] = {}
    after: dict[str, tuple[str, dict[str, Any]]] = {}
    for file, old, new in files:
        name = Path(file).name
        for faq_id, mapping in _entries_of(old, name).items():
            before.setdefault(faq_id, (name, mapping))
        for faq_id, mapping in _entries_of(new, name).items():
            after.setdefault(faq_id, (name, mapping))
    existing = read_history(knowledge_dir)
    seq = existing[-1].seq if existing else 0
    at = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    records = []
    for faq_id in sorted(before.keys() | after.keys()):
        old_file, old_entry = before.get(faq_id, ("", None))
        new_file, new_entry = after.get(faq_id, ("", None))
        if old_entry == new_entry:
            continue
        action = "added" if old_entry is None else "retired" if new_entry is None else "changed"
        seq += 1
        records.append(
            HistoryRecord(
                seq, at, by, via, faq_id, action, new_file or old_file, old_entry, new_entry
            )
        )
    if records:
        path = history_path(knowledge_dir)
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        lines = "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records)
        write_text_atomic(path, current + lines)
    return records


def find_record(knowledge_dir: Path, faq_id: str, seq: int) -> HistoryRecord | None:
    return next((r for r in entry_history(knowledge_dir, faq_id) if r.seq == seq), None)


Checker = Callable[[Candidate, str | None], Any]  # (candidate, id it replaces) -> CheckReport


def revert_entry(
    faq_dir: Path, record: HistoryRecord, check: Checker, before: bool = False
) -> tuple[list[tuple[Path, str, str]], list[str]]:
    """Put the entry back as it was after `record` (before=True: as it was before it, e.g. the
    hand-written version the first recorded change replaced): rewritten in place, retired (that
    state had no entry), or appended to the file it was in (it was retired since). The state
    goes through `check` (the same checks as any new entry; errors stop it). Returns the files
    written (path, before, after) and the check's errors (then nothing was written)."""
    from admin.faq_store import append_entries, entry_mapping, replace_entry, target_path
    from knowledge.faq import load_faq

    state = record.before if before else record.after
    when = f"{'before' if before else 'after'} change #{record.seq}"
    current = {e.faq_id: e for e in load_faq(faq_dir)}
    now: FaqEntry | None = current.get(record.faq_id)
    if state is None:
        if now is None:
            return [], [f"'{record.faq_id}' is retired already"]
        return [replace_entry(faq_dir, record.faq_id, None)], []
    if now is not None and entry_mapping(now) == state:
        return [], [f"'{record.faq_id}' is already as it was {when}"]
    candidate = Candidate(dict(state), f"{record.faq_id} as it was {when}")
    report = check(candidate, record.faq_id if now is not None else None)
    if report.errors:
        return [], list(report.errors)
    if now is not None:
        return [replace_entry(faq_dir, record.faq_id, report.entries[0])], []
    path = target_path(faq_dir, record.file)
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    append_entries(faq_dir, report.entries, record.file)
    return [(path, before, path.read_text(encoding="utf-8"))], []

"""What the console does with the FAQ as a whole: export it to a spreadsheet, import a sheet
back (new rows added, changed rows rewritten in place), and put one entry back as it was after
an earlier change (its history). All through the knowledge layer's own code, as the command
line does (`faq export`, `faq import --update`, `faq revert`), then live like any publish.

Blocking (files, the model): the web handlers call these in a worker thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from admin.console.desk import CONSOLE_TARGET, KnowledgeDesk, Outcome

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class SheetOutcome:
    outcome: Outcome
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    files: list[tuple[str, str, str]] = field(default_factory=list)  # (file, before, after)


def sheet_name(uploaded: str) -> str:
    """The uploaded file's own name (as staff know it) for messages, without any folder."""
    # Some clients percent-encode the name ("my%20faq.xlsx"); browsers send it as typed.
    name = _SAFE_NAME.sub("_", Path(unquote(uploaded).replace("\\", "/")).name)[:80]
    return name or "sheet.csv"


def export(kind: str) -> bytes:
    from admin.faq_sheet import export_csv, export_xlsx
    from knowledge.faq import load_faq

    entries = load_faq(KnowledgeDesk._faq_dir())
    return export_xlsx(entries) if kind == "xlsx" else export_csv(entries)


def import_sheet(
    desk: KnowledgeDesk, name: str, data: bytes, allow_similar: bool, by: str, publish: bool
) -> SheetOutcome:
    """Check a sheet (publish False) or check and write it (True): every problem at once,
    nothing written unless all rows pass; an unchanged export writes nothing."""
    from admin.faq_checks import check_new_entries
    from admin.faq_import import ImportFormatError
    from admin.faq_sheet import read_sheet
    from admin.faq_store import apply_entries, changelog_lines, target_path

    name = sheet_name(name)
    if Path(name).suffix.lower() not in (".csv", ".xlsx"):
        return SheetOutcome(Outcome(errors=[f"{name}: use a .csv or .xlsx file"]))
    with desk._publishing:
        try:
            candidates = read_sheet(Path(name), data)
        except ImportFormatError as exc:
            return SheetOutcome(Outcome(errors=list(exc.problems)))
        if not candidates:
            return SheetOutcome(Outcome(errors=[f"{name}: no entries in it"]))
        loaded: dict[str, Any] = {}

        def embedder() -> Any:
            loaded["model"] = desk.embedder()
            return loaded["model"]

        faq_dir = desk._faq_dir()
        report = check_new_entries(
            candidates, faq_dir, embedder, lambda: desk._known(loaded),
            allow_similar=allow_similar, update=True,
        )  # fmt: skip
        result = SheetOutcome(
            Outcome(list(report.errors), list(report.warnings)),
            added=[e.faq_id for e in report.entries if e.faq_id not in report.replaced],
            changed=[e.faq_id for e in report.entries if e.faq_id in report.replaced],
            unchanged=len(report.unchanged),
        )
        if not report.ok or not publish or not report.entries:
            return result
        changed = [e for e in report.entries if e.faq_id in report.replaced]
        added = [e for e in report.entries if e.faq_id not in report.replaced]
        written = apply_entries(faq_dir, changed, added, CONSOLE_TARGET)
        result.files = [(path.name, before, after) for path, before, after in written]
        lines = changelog_lines(added, target_path(faq_dir, CONSOLE_TARGET), faq_dir.parent)
        lines += [f"changed FAQ `{e.faq_id}` (sheet {name})" for e in changed]
        lines += [f"accepted as similar: {w}" for w in report.warnings]
        outcome = result.outcome
        outcome.faq_id = _label(result.added + result.changed)
        first, *more = result.files
        desk._go_live(outcome, f"import {name}", lines, by, first, tuple(more))
        return result


def _label(ids: list[str]) -> str:
    """The entries an import touched, as the change history shows them."""
    shown = ", ".join(ids[:3])
    return shown + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")


def revert(
    desk: KnowledgeDesk, faq_id: str, seq: int, allow_similar: bool, by: str, before: bool = False
) -> Outcome:
    """The entry as it was after change #seq of its history (before: as it was before that
    change), through the same checks as an edit."""
    from admin import faq_history
    from admin.faq_checks import CheckReport, check_new_entries
    from admin.faq_import import Candidate

    knowledge = desk._faq_dir().parent
    record = faq_history.find_record(knowledge, faq_id, seq)
    if record is None:
        return Outcome(errors=[f"no change #{seq} of '{faq_id}'"], faq_id=faq_id)
    loaded: dict[str, Any] = {}

    def embedder() -> Any:
        loaded["model"] = desk.embedder()
        return loaded["model"]

    def check(candidate: Candidate, replacing: str | None) -> CheckReport:
        return check_new_entries(
            [candidate], desk._faq_dir(), embedder, lambda: desk._known(loaded),
            allow_similar=allow_similar, replacing=replacing,
        )  # fmt: skip

    with desk._publishing:
        written, errors = faq_history.revert_entry(desk._faq_dir(), record, check, before)
        if errors:
            return Outcome(errors=errors, faq_id=faq_id)
        outcome = Outcome(faq_id=faq_id)
        (path, text_before, text_after), *_ = written
        when = "before" if before else "after"
        lines = [f"reverted FAQ `{faq_id}` to its state {when} change #{seq}"]
        action = f"revert to {'before ' if before else ''}#{seq}"
        change = (path.name, text_before, text_after)
        return desk._go_live(outcome, action, lines, by, change)


def history(faq_id: str) -> list[Any]:
    from admin import faq_history

    return faq_history.entry_history(KnowledgeDesk._faq_dir().parent, faq_id)


def versions() -> list[Any]:
    """The kept index versions, labelled (when, who, through what, what changed)."""
    from admin.retrain import labelled_versions
    from knowledge.paths import default_index_dir

    return list(reversed(labelled_versions(default_index_dir())))

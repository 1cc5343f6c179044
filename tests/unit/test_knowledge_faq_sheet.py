"""The FAQ as a spreadsheet (admin/faq_sheet.py), per-entry history and revert
(admin/faq_history.py), and 30 labelled index versions kept (admin/retrain.py).

Export -> import unchanged changes no byte, in CSV and XLSX, on the project's own 72 entries;
every kind of problem in a sheet is reported at once, naming the row and the column as the
spreadsheet shows them, and nothing is written; an edited cell changes that entry alone, which
its history records and a revert puts back."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from admin import faq_cli, faq_history
from admin.faq_import import REQUIRED_COLUMNS
from admin.faq_sheet import (
    COLUMNS,
    column_letter,
    entry_row,
    export_csv,
    export_xlsx,
    read_sheet,
)
from admin.faq_store import entry_mapping
from admin.retrain import DEFAULT_KEEP, RetrainOptions, labelled_versions, retrain, versions
from admin.stack_client import StackTarget
from knowledge.faq import load_faq
from tests.unit.knowledge_testkit import PROJECT_ROOT, FakeEmbedder, make_knowledge_folder
from tests.unit.test_knowledge_faq_cli import run_cli, snapshot


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's FAQ (every real entry, as staff would export it)."""
    folder = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "content" / "faq", folder / "faq")
    monkeypatch.setenv("DUTA_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DUTA_INDEX_DIR", str(tmp_path / "no-index"))
    monkeypatch.setenv("DUTA_CHANGED_BY", "sheet-staff")
    monkeypatch.setattr(faq_cli, "_embedder", lambda _args: FakeEmbedder())
    return folder


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 4, 25, 26, 27, 701, 702)] == [
        "A", "E", "Z", "AA", "AB", "ZZ", "AAA",
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_unchanged_changes_nothing(
    knowledge: Path, tmp_path: Path, suffix: str
) -> None:
    sheet = tmp_path / f"faq{suffix}"
    code, out, err = run_cli("faq", "export", str(sheet))
    assert code == 0, err
    entries = load_faq(knowledge / "faq")
    assert f"exported {len(entries)} entries" in out and len(entries) > 50
    before = snapshot(knowledge)
    code, out, err = run_cli("faq", "import", "--update", str(sheet))
    assert code == 0, err
    assert f"no change: 0 new, 0 changed, {len(entries)} unchanged" in out
    assert snapshot(knowledge) == before  # no file, change log or history touched
    # Every field survives: the sheet read back is the entries, field for field.
    assert not [c.problems for c in read_sheet(sheet) if c.problems]


def test_csv_has_a_bom_and_indonesian_text_and_xlsx_cells_are_text(
    knowledge: Path, tmp_path: Path
) -> None:
    entries = load_faq(knowledge / "faq")
    data = export_csv(entries)
    assert data.startswith(b"\xef\xbb\xbf" + ",".join(COLUMNS).encode())
    assert "Bagaimana" in data.decode("utf-8-sig")
    tricky = entries[0]
    answers = {"id": "=1+1 bukan rumus", "en": "=1+1 is not a formula"}
    tricky = type(tricky)(**{**tricky.__dict__, "answers": answers, "as_of": "2026-12-01"})
    # In CSV such a cell is written with an apostrophe (shown, never run) and read back without.
    guarded = export_csv([tricky]).decode("utf-8-sig")
    assert "'=1+1 is not a formula" in guarded
    sheet = tmp_path / "tricky.csv"
    sheet.write_text(guarded, encoding="utf-8")
    [candidate] = read_sheet(sheet)
    assert candidate.raw["answers"]["en"] == "=1+1 is not a formula"
    book = load_workbook(io.BytesIO(export_xlsx([tricky])))
    row = [cell for cell in book.active[2]]
    assert all(cell.data_type == "s" for cell in row if cell.value is not None)
    assert row[COLUMNS.index("answer_en")].value == "=1+1 is not a formula"
    assert row[COLUMNS.index("as_of")].value == "2026-12-01"


def _xlsx(knowledge: Path, tmp_path: Path, name: str) -> tuple[Path, object]:
    path = tmp_path / name
    path.write_bytes(export_xlsx(load_faq(knowledge / "faq")))
    book = load_workbook(path)
    return path, book


def _cell(column: str, row: int) -> str:
    return f"{column_letter(COLUMNS.index(column))}{row}"


def test_every_problem_of_a_sheet_at_once_with_row_and_column(
    knowledge: Path, tmp_path: Path
) -> None:
    path, book = _xlsx(knowledge, tmp_path, "broken.xlsx")
    sheet = book.active  # type: ignore[attr-defined]
    first_question = sheet[_cell("question_id", 2)].value.split(" | ")[0]
    edits = {
        _cell("id", 3): "Not An Id",
        _cell("answer_id", 4): "",
        _cell("source_url", 5): "kemlu.go.id",
        _cell("source_date", 6): "01/04/2024",
        _cell("volatile", 7): "maybe",
        _cell("question_en", 8): "What? |  | Why?",
        _cell("source_title", 9): "",
        _cell("answer_en", 10): "x" * 1300,
        _cell("question_id", 11): first_question,  # asked word for word by row 2's entry
        _cell("id", 12): sheet[_cell("id", 13)].value,  # the same id twice
        _cell("volatile", 14): "true",
        _cell("as_of", 14): "",
    }
    for ref, value in edits.items():
        sheet[ref] = value
    sheet.cell(row=1, column=len(COLUMNS) + 1, value="notes")
    book.save(path)  # type: ignore[attr-defined]
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "import", "--update", str(path))
    assert code == 2
    expected = [
        "row 1, column O (notes): unknown column",
        "row 3, column A (id): 'Not An Id' is not a valid id",
        "row 4, column D (answer_id): empty; write the answer in Indonesian",
        "row 5, column G (source_url): 'kemlu.go.id' is not a web address",
        "row 6, column I (source_date): '01/04/2024' is not a date: write it as YYYY-MM-DD",
        "row 7, column L (volatile): 'maybe': write true (the facts change) or false",
        "row 8, column C (question_en): an empty question between the '|' separators",
        "row 9, column F (source_title): empty; write where the facts come from",
        "row 10, column E (answer_en): answer_en is 1300 characters, the limit is 1200",
        f"row 11, column B (question_id): question {first_question!r} is already asked by FAQ",
        "row 13, column A (id): duplicate id",
        "row 14, column K (as_of): the facts change (volatile is true), so as_of must give",
    ]
    for message in expected:
        assert f"{path} {message}" in err, (message, err)
    assert "nothing was written" in err
    assert snapshot(knowledge) == before


def test_an_edited_cell_changes_that_entry_and_its_history_allows_a_revert(
    knowledge: Path, tmp_path: Path
) -> None:
    path, book = _xlsx(knowledge, tmp_path, "edited.xlsx")
    sheet = book.active  # type: ignore[attr-defined]
    faq_id = sheet[_cell("id", 5)].value
    original = next(e for e in load_faq(knowledge / "faq") if e.faq_id == faq_id)
    sheet[_cell("answer_en", 5)] = original.answers["en"] + " (EDITED in a sheet)"
    book.save(path)  # type: ignore[attr-defined]
    others = {e.faq_id: entry_mapping(e) for e in load_faq(knowledge / "faq") if e.faq_id != faq_id}
    code, out, err = run_cli("faq", "import", "--update", str(path))
    assert code == 0, err
    assert f"changed {faq_id}" in out and "0 new, 1 changed" in out
    now = {e.faq_id: e for e in load_faq(knowledge / "faq")}
    assert now[faq_id].answers["en"].endswith("(EDITED in a sheet)")
    assert {i: entry_mapping(e) for i, e in now.items() if i != faq_id} == others
    [record] = faq_history.entry_history(knowledge, faq_id)
    assert (record.action, record.by) == ("changed", "sheet-staff")
    assert record.via == "faq import edited.xlsx --update"
    assert record.before == entry_mapping(original) and record.summary() == "changed answers"
    log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"changed FAQ `{faq_id}`" in log and "by: sheet-staff" in log

    # History lists it, numbered.
    code, out, _err = run_cli("faq", "history", faq_id)
    assert code == 0 and f"#{record.seq}" in out and "sheet-staff" in out
    # Record a second change, then revert to the state after the first.
    sheet[_cell("answer_en", 5)] = original.answers["en"] + " (EDITED twice)"
    book.save(path)  # type: ignore[attr-defined]
    assert run_cli("faq", "import", "--update", str(path))[0] == 0
    code, out, err = run_cli("faq", "revert", faq_id, str(record.seq))
    assert code == 0, err
    back = next(e for e in load_faq(knowledge / "faq") if e.faq_id == faq_id)
    assert back.answers["en"].endswith("(EDITED in a sheet)")
    latest = faq_history.entry_history(knowledge, faq_id)[0]
    assert latest.via == f"faq revert {faq_id} {record.seq}" and latest.seq == record.seq + 2
    # Reverting to what it is now: refused, nothing written.
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "revert", faq_id, str(record.seq))
    assert code == 2 and "already as it was" in err and snapshot(knowledge) == before
    # And back to the version before the first recorded change: the hand-written one.
    code, out, err = run_cli("faq", "revert", faq_id, str(record.seq), "--before")
    assert code == 0 and f"to before change #{record.seq}" in out, err
    back = next(e for e in load_faq(knowledge / "faq") if e.faq_id == faq_id)
    assert entry_mapping(back) == entry_mapping(original)


def test_a_retired_entry_comes_back_with_a_revert(knowledge: Path) -> None:
    from admin.faq_store import entries_yaml, replace_entry

    faq_dir = knowledge / "faq"
    entry = load_faq(faq_dir)[3]
    path, before, after = replace_entry(faq_dir, entry.faq_id, None)
    [retired] = faq_history.record_changes(knowledge, [(path.name, before, after)], "x", "test")
    assert retired.action == "retired" and retired.after is None
    # Revert to the state after a change that left it as it was (here: "un-retire" record).
    code, _out, err = run_cli("faq", "revert", entry.faq_id, str(retired.seq))
    assert code == 2 and "retired already" in err
    alone = entries_yaml([entry])
    [added] = faq_history.record_changes(knowledge, [(path.name, "", alone)], "x", "test")
    assert added.action == "added" and added.seq == retired.seq + 1
    code, _out, err = run_cli("faq", "revert", entry.faq_id, str(added.seq))
    assert code == 0, err
    back = next(e for e in load_faq(faq_dir) if e.faq_id == entry.faq_id)
    assert entry_mapping(back) == entry_mapping(entry)


def test_faq_add_needs_no_terminal(knowledge: Path, tmp_path: Path) -> None:
    """From a script (stdin not a terminal): the flags are the whole entry, or a file is."""
    code, _out, err = run_cli(
        "faq", "add", "--id", "library-hours",
        "--question-id", "Jam berapa perpustakaan Kemlu buka?",
        "--question-id", "Perpustakaan Kemlu buka kapan?",
        "--question-en", "When is the Kemlu library open?",
        "--answer-id", "Senin-Jumat 08.00-16.00 WIB.",
        "--answer-en", "Monday to Friday 08:00-16:00 WIB.",
        "--source-title", "Kemlu library", "--source-date", "2026-11-01",
    )  # fmt: skip
    assert code == 0, err
    entry = next(e for e in load_faq(knowledge / "faq") if e.faq_id == "library-hours")
    assert len(entry.questions["id"]) == 2
    sheet = tmp_path / "one.csv"
    sheet.write_bytes(export_csv([entry]).replace(b"library-hours", b"library-rooms"))
    sheet.write_text(
        sheet.read_text("utf-8-sig").replace("open?", "open for visitors?"), encoding="utf-8"
    )
    text = sheet.read_text("utf-8").replace("Jam berapa", "Pukul berapa")
    sheet.write_text(text.replace("buka kapan", "dibuka kapan"), encoding="utf-8")
    code, _out, err = run_cli("faq", "add", "--from", str(sheet), "--allow-similar")
    assert code == 0, err
    assert "library-rooms" in {e.faq_id for e in load_faq(knowledge / "faq")}


def test_thirty_labelled_versions_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTA_CHANGED_BY", "version-staff")
    assert DEFAULT_KEEP >= 30
    source = make_knowledge_folder(tmp_path / "knowledge", documents=("001_f7c03f9f912ae368",))
    root = tmp_path / "index"
    fixture = source / "faq" / "fixture.yml"
    text = fixture.read_text(encoding="utf-8")
    options = RetrainOptions(
        source=source,
        index_root=root,
        models_dir=tmp_path / "models",
        target=StackTarget([], None, [], None),
        rasa="skip",
        reload=False,
        command="test retrain",
    )
    embedder = FakeEmbedder()
    for run in range(DEFAULT_KEEP + 3):
        entry = f"\n- id: run-{run}\n  source: {{title: Run, date: 2026-11-01}}\n" + (
            f"  questions: {{id: ['Putaran {run}?'], en: ['Run {run}?']}}\n"
            f"  answers: {{id: 'Putaran {run}.', en: 'Run {run}.'}}\n"
        )
        fixture.write_text(text + entry, encoding="utf-8")
        assert retrain(options, embedder).version is not None
    kept = versions(root)
    assert len(kept) == DEFAULT_KEEP
    labels = labelled_versions(root)
    assert [label.name for label in labels] == [p.name for p in kept]
    assert labels[-1].current and not any(label.current for label in labels[:-1])
    newest = labels[-1]
    assert newest.by == "version-staff" and newest.command == "test retrain"
    last = DEFAULT_KEEP + 2
    assert newest.changes == [f"added FAQ `run-{last}`", f"removed FAQ `run-{last - 1}`"]
    assert labels[0].changes == ["(oldest kept)"]


def test_an_update_without_some_columns_keeps_those_values(knowledge: Path, tmp_path: Path) -> None:
    """A sheet made from the template (fewer columns than an export) updates what it has and
    leaves the entry's other fields as they are, rather than emptying them."""
    entry = next(
        e for e in load_faq(knowledge / "faq") if e.source.accessed and e.document and e.tags
    )
    row = {k: v for k, v in entry_row(entry).items() if k in REQUIRED_COLUMNS}
    row["answer_en"] += " (EDITED)"
    sheet = tmp_path / "few.csv"
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(list(row))
    writer.writerow(list(row.values()))
    sheet.write_text(out.getvalue(), encoding="utf-8")
    code, out_text, err = run_cli("faq", "import", "--update", str(sheet))
    assert code == 0 and "0 new, 1 changed" in out_text, err
    after = next(e for e in load_faq(knowledge / "faq") if e.faq_id == entry.faq_id)
    expected = entry_mapping(entry)
    expected["answers"]["en"] += " (EDITED)"
    assert entry_mapping(after) == expected


def test_files_written_together_are_all_put_back_when_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import that changes two files: a failure renaming the second puts the first back, so
    the folder never holds half an import."""
    import os as os_module

    from admin import atomic

    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text("old a\n", encoding="utf-8")
    second.write_text("old b\n", encoding="utf-8")
    real_replace = os_module.replace

    def failing_replace(src: str, dst: str | Path) -> None:
        if Path(dst) == second:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_texts_atomic({first: "new a\n", second: "new b\n"})
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert first.read_text(encoding="utf-8") == "old a\n"
    assert second.read_text(encoding="utf-8") == "old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yml", "b.yml"]  # no temp left

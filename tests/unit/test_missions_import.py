"""Staff import and export of the mission directory (admin/missions_io.py, missions_cli.py)
on a copy of the project's content/missions.yml: the export imports back to the same bytes,
rows are added or updated by id, every problem is listed at once with its row and field, and a
refused import writes nothing.

The mission "kjri-testville" and the source "test-source" are made up for these tests and live
only in the temporary copy."""

from __future__ import annotations

import csv
import difflib
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from admin.missions_cli import FILE_NAME
from admin.missions_io import (
    ImportRefused,
    export_csv,
    plan_import,
    read_import_file,
    write_directory,
)
from knowledge.missions import load_directory
from knowledge.paths import PROJECT_ROOT

from .conftest import DIRECTORY_FILE

SOURCES_HEADER = "id,title,url,date\n"
TEST_SOURCE = "test-source,A source made up for the test,https://example.org/list,2026-12-01\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A knowledge folder holding a copy of the project's directory."""
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(DIRECTORY_FILE, knowledge / FILE_NAME)
    return knowledge


def run_cli(*args: str, changed_by: str = "siti") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUTA_CHANGED_BY": changed_by}
    return subprocess.run(
        [sys.executable, "-m", "admin", "missions", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_export_imports_back_to_the_same_file(folder: Path, tmp_path: Path) -> None:
    before = (folder / FILE_NAME).read_bytes()
    done = run_cli(
        "export", str(tmp_path / "m.csv"), "--sources", str(tmp_path / "s.csv"),
        "--knowledge", str(folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    exported = (tmp_path / "m.csv").read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for spreadsheets"
    assert stat.S_IMODE((tmp_path / "m.csv").stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert len(rows) == len(load_directory(DIRECTORY_FILE).missions)
    # A number a spreadsheet would run as a formula ("+966 ...") is guarded by an apostrophe.
    jeddah = next(r for r in rows if r["id"] == "kjri-jeddah")
    assert jeddah["phone"].startswith("'+966")

    done = run_cli(
        "import", str(tmp_path / "m.csv"), "--sources", str(tmp_path / "s.csv"),
        "--knowledge", str(folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nothing to change" in done.stdout
    assert (folder / FILE_NAME).read_bytes() == before
    assert not (folder / "CHANGELOG.md").exists(), "nothing changed, nothing logged"


def test_rows_update_and_add_missions_by_id_and_the_change_is_logged(
    folder: Path, tmp_path: Path
) -> None:
    os.chmod(folder / FILE_NAME, 0o640)
    before = (folder / FILE_NAME).read_text(encoding="utf-8")
    sources = tmp_path / "sources.csv"
    sources.write_text(SOURCES_HEADER + TEST_SOURCE, encoding="utf-8")
    # The usual way: export, change a cell, add a row, import the sheet.
    missions_csv, _ = export_csv(folder / FILE_NAME)
    exported = list(csv.DictReader(io.StringIO(missions_csv.removeprefix("\ufeff"))))
    osaka_row = next(row for row in exported if row["id"] == "kjri-osaka")
    osaka_row.update({"address": "Test address 1, Osaka", "address_source": "test-source"})
    new_row = dict.fromkeys(osaka_row, "")
    new_row.update(
        {
            "id": "kjri-testville", "kind": "consulate", "name_id": "KRI Testville",
            "name_en": "Consulate in Testville", "city_id": "Testville", "city_en": "Testville",
            "country": "jp", "covers": "JP", "covers_source": "test-source",
            "website": "https://example.org/testville", "website_source": "test-source",
        }
    )  # fmt: skip
    rows = write_csv(tmp_path / "rows.csv", [*exported, new_row])
    done = run_cli("import", str(rows), "--sources", str(sources), "--knowledge", str(folder))
    assert done.returncode == 0, done.stderr

    after = (folder / FILE_NAME).read_text(encoding="utf-8")
    assert stat.S_IMODE((folder / FILE_NAME).stat().st_mode) == 0o640, "the file keeps its mode"
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    changed = [line[1:] for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert any("Test address 1, Osaka" in line for line in changed)
    assert any("id: test-source" in line for line in changed)
    assert any("id: kjri-testville" in line for line in changed)
    # Only those lines (the old address out, the new in, a source, a mission of 13 lines): the
    # header, comments and the other 132 missions are untouched.
    assert len(changed) == 2 + 1 + 13, changed
    assert after.startswith(before[: before.index("sources:")])

    directory = load_directory(folder / FILE_NAME)
    osaka = directory.by_id("kjri-osaka")
    assert osaka is not None and osaka.contacts["address"].value == "Test address 1, Osaka"
    original = load_directory(DIRECTORY_FILE).by_id("kjri-osaka")
    assert original is not None
    assert osaka.contacts["phone"] == original.contacts["phone"]
    new = directory.by_id("kjri-testville")
    assert new is not None and new.country == "JP" and new.contacts["phone"].value is None

    log = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "· python -m admin missions import rows.csv --sources sources.csv" in log
    assert "- by: siti" in log
    assert "added source `test-source`" in log
    assert "added mission `kjri-testville`" in log
    assert "changed mission `kjri-osaka`: address 'Nakanoshima" in log
    assert log.count("changed mission") == 1, "the other exported rows changed nothing"
    assert "-> 'Test address 1, Osaka' (test-source)" in log


def test_every_problem_is_listed_with_its_row_and_field_and_nothing_is_written(
    folder: Path, tmp_path: Path
) -> None:
    before = (folder / FILE_NAME).read_bytes()
    sources = tmp_path / "sources.csv"
    sources.write_text(
        SOURCES_HEADER + "undated,A page,https://example.org/p,\nlater,Later,ftp://x,2999-01-01\n",
        encoding="utf-8",
    )
    rows = write_csv(
        tmp_path / "rows.csv",
        [
            {"id": "kbri-tokyo", "phone": "+81 3 xxxx", "phone_source": "gh-kemlu-perwakilan",
             "website": "", "country": ""},
            {"id": "kjri-osaka", "phone": "06-6252-9826", "phone_source": "unlisted-source",
             "website": "https://kemlu.go.id/tokyo", "country": "JP"},
            {"id": "kjri-osaka", "phone": "", "phone_source": "", "website": "", "country": ""},
            {"id": "kbri-new", "phone": "", "phone_source": "", "website": "http://x.org",
             "country": "XX"},
        ],
    )  # fmt: skip
    done = run_cli("import", str(rows), "--sources", str(sources), "--knowledge", str(folder))
    assert done.returncode == 2
    errors = done.stderr
    expected = [
        "rows.csv row 1 (line 2) (kbri-tokyo): phone: not a telephone number",
        "rows.csv row 1 (line 2) (kbri-tokyo): website: every mission needs its official page",
        "rows.csv row 1 (line 2) (kbri-tokyo): unknown country code ''",
        "rows.csv row 2 (line 3) (kjri-osaka): phone: every value needs the id of a listed source",
        "rows.csv row 3 (line 4) (kjri-osaka): id: duplicate id 'kjri-osaka' (also at",
        "rows.csv row 4 (line 5) (kbri-new): unknown country code 'XX'",
        "rows.csv row 4 (line 5) (kbri-new): website must be an https:// address",
        "rows.csv row 4 (line 5) (kbri-new): kind must be one of",
        "sources.csv row 1 (line 2): date: needs YYYY-MM-DD",
        "sources.csv row 2 (line 3): url: not an http(s):// address",
        "sources.csv row 2 (line 3): date: 2999-01-01 is in the future",
    ]
    for message in expected:
        assert message in errors, (message, errors)
    assert "nothing was written" in errors
    assert (folder / FILE_NAME).read_bytes() == before
    assert not (folder / "CHANGELOG.md").exists()


def test_the_directory_as_a_whole_is_checked(folder: Path, tmp_path: Path) -> None:
    """What no single row shows: a website another mission has, a country left unserved."""
    path = folder / FILE_NAME
    sources = tmp_path / "sources.csv"
    sources.write_text(SOURCES_HEADER + TEST_SOURCE, encoding="utf-8")
    twin = write_csv(
        tmp_path / "twin.csv",
        [{"id": "kjri-osaka", "website": "https://kemlu.go.id/tokyo",
          "website_source": "test-source"}],
    )  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        plan_import(path, read_import_file(twin, sources))
    assert any("website 'https://kemlu.go.id/tokyo' is also" in p for p in refused.value.problems)

    # KBRI Oslo is the only mission for Iceland: dropping the accreditation leaves it unserved.
    oslo = load_directory(path).by_id("kbri-oslo")
    assert oslo is not None and "IS" in oslo.covers
    covers = ", ".join(code for code in oslo.covers if code != "IS")
    dropped = write_csv(tmp_path / "drop.csv", [{"id": "kbri-oslo", "covers": covers}])
    with pytest.raises(ImportRefused) as refused:
        plan_import(path, read_import_file(dropped))
    assert any("IS" in p and "would resolve to no mission" in p for p in refused.value.problems)


def test_a_yaml_file_with_missions_and_sources(folder: Path, tmp_path: Path) -> None:
    update = tmp_path / "update.yml"
    update.write_text(
        "sources:\n"
        '  - {id: test-source, title: "Made up", url: "https://example.org/a",'
        ' date: "2026-12-01"}\n'
        "missions:\n"
        "  - id: kbri-tokyo\n"
        '    hotline: {value: "+81 80 0000 0000", source: test-source, second_source: null}\n'
        "  - id: kjri-osaka\n"
        "    phone: {value: 66252982600, source: gh-kemlu-perwakilan}\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        plan_import(folder / FILE_NAME, read_import_file(update))
    # A number YAML reads as an integer has lost what the source wrote (a plus, a zero).
    assert refused.value.problems == [
        f"{update} line 6 (kjri-osaka): phone: the value must be text, in quotes (got 66252982600)"
    ]
    update.write_text(update.read_text().rsplit("  - id: kjri-osaka", 1)[0], encoding="utf-8")
    plan = plan_import(folder / FILE_NAME, read_import_file(update))
    assert list(plan.changed) == ["kbri-tokyo"] and plan.added == []
    loaded = yaml.safe_load(plan.text)
    tokyo = next(m for m in loaded["missions"] if m["id"] == "kbri-tokyo")
    assert tokyo["hotline"] == {
        "value": "+81 80 0000 0000", "source": "test-source", "second_source": None
    }  # fmt: skip


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("id,phonee\nkbri-tokyo,1\n", "line 1: unknown column(s) phonee"),
        ("phone\n123456\n", "line 1: missing column id"),
        ("id,phone\nkbri-tokyo,+81 3 1234 5678,extra\n", "row 1 (line 2): 3 cells but the header"),
        ('id,notes\nkbri-tokyo,"unclosed\n', "broken CSV"),
    ],
)
def test_a_malformed_csv_is_refused_with_its_line(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        read_import_file(path)
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_dry_run_and_a_file_changed_meanwhile_write_nothing(folder: Path, tmp_path: Path) -> None:
    path = folder / FILE_NAME
    before = path.read_bytes()
    rows = write_csv(tmp_path / "rows.csv", [{"id": "kbri-tokyo", "notes": "A test note."}])
    done = run_cli("import", str(rows), "--dry-run", "--knowledge", str(folder))
    assert done.returncode == 0, done.stderr
    assert "dry run, nothing written" in done.stdout
    assert "changed mission `kbri-tokyo`: notes None -> 'A test note.'" in done.stdout
    assert path.read_bytes() == before

    # Another staff member saves the file between the check and the write: refused.
    text = before.decode("utf-8")
    plan = plan_import(path, read_import_file(rows))
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="changed while the import was checked"):
        write_directory(path, plan, text)
    assert path.read_text(encoding="utf-8") == text + "\n"


def test_export_guards_formula_cells_and_import_reads_them_back(folder: Path) -> None:
    missions_csv, _ = export_csv(folder / FILE_NAME)
    rows = list(csv.DictReader(io.StringIO(missions_csv.removeprefix("\ufeff"))))
    starts = {cell[:1] for row in rows for cell in row.values() if cell}
    assert not starts & {"=", "+", "-", "@"}, "no cell a spreadsheet would run"


def test_validate_lists_the_directorys_problems(folder: Path) -> None:
    done = run_cli("validate", "--knowledge", str(folder))
    assert done.returncode == 0, done.stderr
    assert "ok: 133 missions" in done.stdout
    path = folder / FILE_NAME
    text = path.read_text(encoding="utf-8")
    # Two missions with one website: the per-mission checks pass, the directory's do not.
    osaka = 'website: {value: "https://kemlu.go.id/osaka"'
    path.write_text(text.replace(osaka, osaka.replace("osaka", "tokyo")), encoding="utf-8")
    done = run_cli("validate", "--knowledge", str(folder))
    assert done.returncode == 2
    assert "kjri-osaka: website 'https://kemlu.go.id/tokyo' is also kbri-tokyo's" in done.stderr


def test_a_changed_value_needs_a_source_that_gives_it(folder: Path, tmp_path: Path) -> None:
    """The card shows a value "as of" its source's date: a new number under the old source
    would be dated by a source that never gave it."""
    path = folder / FILE_NAME
    osaka = load_directory(path).by_id("kjri-osaka")
    assert osaka is not None and osaka.contacts["phone"].source == "gh-kemlu-perwakilan"
    rows = write_csv(tmp_path / "rows.csv", [{"id": "kjri-osaka", "phone": "+81 6 0000 0000"}])
    with pytest.raises(ImportRefused) as refused:
        plan_import(path, read_import_file(rows))
    assert refused.value.problems == [
        f"{rows} row 1 (line 2) (kjri-osaka): phone: the value changed but its source "
        "'gh-kemlu-perwakilan' did not: give the source you read it in (a new one, or this one "
        "with the date you read it again, in the sources file)"
    ]
    sources = tmp_path / "sources.csv"
    sources.write_text(SOURCES_HEADER + TEST_SOURCE, encoding="utf-8")
    same = write_csv(
        tmp_path / "same.csv",
        [{"id": "kjri-osaka", "phone": "+81 6 0000 0000", "phone_source": "test-source",
          "phone_second_source": "test-source"}],
    )  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        plan_import(path, read_import_file(same, sources))
    assert any("second_source must be another source" in p for p in refused.value.problems)
    ok = write_csv(
        tmp_path / "ok.csv",
        [{"id": "kjri-osaka", "phone": "+81 6 0000 0000", "phone_source": "test-source"}],
    )
    plan = plan_import(path, read_import_file(ok, sources))
    assert list(plan.changed) == ["kjri-osaka"]

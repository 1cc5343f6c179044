"""faq add / import / validate / list: every check runs before a write, and bad input writes
nothing. The fast fake embedder stands in where meaning does not matter; the near-duplicate test
uses the project's real model through the real command."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admin import faq_cli
from admin.cli import main
from knowledge.faq import load_faq
from tests.unit.knowledge_testkit import PROJECT_ROOT, FakeEmbedder, make_knowledge_folder

HEADER = (
    "id,question_id,question_en,answer_id,answer_en,source_title,source_url,as_of,volatile,tags\n"
)
GOOD_ROW = (
    "library-hours,Jam berapa perpustakaan Kemlu buka? | Perpustakaan Kemlu buka kapan?,"
    "What are the Kemlu library's opening hours?,"
    "Perpustakaan Kemlu buka Senin-Jumat pukul 08.00-16.00 WIB.,"
    "The Kemlu library is open Monday to Friday 08:00-16:00 WIB.,"
    "Kemlu library,https://kemlu.go.id,2026-11-01,false,library\n"
)


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_knowledge_folder(tmp_path / "knowledge")
    monkeypatch.setenv("DUTA_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DUTA_INDEX_DIR", str(tmp_path / "no-index"))
    monkeypatch.setenv("DUTA_CHANGED_BY", "test-staff")
    monkeypatch.setattr(faq_cli, "_embedder", lambda _args: FakeEmbedder())
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_csv_import_adds_entries_and_logs_the_change(knowledge: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "new.csv"
    sheet.write_text(HEADER + GOOD_ROW, encoding="utf-8")
    code, out, err = run_cli("faq", "import", str(sheet))
    assert code == 0, err
    assert "added library-hours" in out
    entry = next(e for e in load_faq(knowledge / "faq") if e.faq_id == "library-hours")
    assert entry.questions["id"] == (
        "Jam berapa perpustakaan Kemlu buka?",
        "Perpustakaan Kemlu buka kapan?",
    )
    assert entry.as_of == "2026-11-01" and entry.tags == ("library",)
    log = (knowledge / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "UTC · faq import new.csv" in log and "by: test-staff" in log
    assert "added FAQ `library-hours` to faq/staff.yml" in log
    # The list shows it; the folder still validates as a whole.
    assert "library-hours" in run_cli("faq", "list")[1]
    assert run_cli("faq", "validate")[0] == 0


def test_an_undated_page_is_cited_with_the_day_it_was_read(knowledge: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "undated.csv"
    header = HEADER.replace(",as_of,", ",source_accessed,as_of,")
    row = GOOD_ROW.replace(",2026-11-01,", ",2026-11-02,,")
    sheet.write_text(header + row, encoding="utf-8")
    code, _out, err = run_cli("faq", "import", str(sheet))
    assert code == 0, err
    entry = next(e for e in load_faq(knowledge / "faq") if e.faq_id == "library-hours")
    assert entry.source.accessed == "2026-11-02" and entry.source.date is None
    assert entry.as_of is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + GOOD_ROW + 'bad-row,"unclosed quote,x\n', r"row 3 \(line 3\): broken CSV"),
        (HEADER + GOOD_ROW + "a,b,c,d,e,f,g,h,i,j,k,l\n", r"row 3: 12 cells but the header has 10"),
        ("id,question_id,answer_id\nx,y,z\n", r"row 1: missing column\(s\) question_en"),
        (
            HEADER + GOOD_ROW.replace("What are the Kemlu library's opening hours?", ""),
            r"row 2, column C \(question_en\): empty; write the question in English",
        ),
        (
            HEADER + GOOD_ROW + GOOD_ROW,
            r"row 3, column A \(id\): duplicate id 'library-hours' \(also at .*row 2\)",
        ),
        (
            HEADER + GOOD_ROW.replace("library-hours", "fixture-icdd-when"),
            r"duplicate id 'fixture-icdd-when': already used by",
        ),
        (
            HEADER + GOOD_ROW.replace("Kemlu library,", "x" * 201 + ","),
            r"column F \(source_title\): source_title is 201 characters, the limit is 200",
        ),
        (
            HEADER + GOOD_ROW.replace(",false,", ",maybe,"),
            r"row 2, column I \(volatile\): 'maybe': write true \(the facts change\) or false",
        ),
        (
            HEADER + GOOD_ROW.replace(",2026-11-01,", ",,"),
            r"row 2, column H \(as_of\): no date: give",
        ),
        (
            HEADER + GOOD_ROW.replace(",false,", ",true,"),
            r"column D \(answer_id\): .*answer_id must say when they were true, "
            r"e\.g\. 'per <month> 2026'",
        ),
    ],
    ids=["unclosed-quote", "cell-count", "header", "language", "dup-in-file", "dup-existing",
         "too-long", "volatile", "undated", "volatile-without-as-of"],
)  # fmt: skip
def test_a_broken_csv_import_changes_no_file(
    knowledge: Path, tmp_path: Path, content: str, expected: str
) -> None:
    sheet = tmp_path / "broken.csv"
    sheet.write_text(content, encoding="utf-8")
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "import", str(sheet))
    assert code == 2
    assert str(sheet) in err
    assert re.search(expected, err), err
    assert "nothing was written" in err
    assert snapshot(knowledge) == before


def test_a_broken_yaml_import_names_the_line_and_changes_no_file(
    knowledge: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("- id: a\n  questions: {id: [x]\n  answers: y\n", encoding="utf-8")
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "import", str(broken))
    assert code == 2 and f"{broken} line 3" in err and "broken YAML" in err
    entries = [
        {
            "id": "passport-fee",
            "source": {"title": "Imigrasi", "date": "2024-04-01"},
            "questions": {"id": ["Berapa biaya paspor?"], "en": ["How much is a passport?"]},
            "answers": {"id": "x" * 1300, "en": "It depends."},
        },
        {
            "id": "second-entry",
            "source": {"title": "Imigrasi", "date": "2024-04-01"},
            "questions": {"id": ["Pertanyaan kedua?"]},
            "answers": {"id": "Jawaban.", "en": "Answer."},
        },
    ]
    half_bad = tmp_path / "half.yml"
    text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=2000)
    half_bad.write_text(text, encoding="utf-8")
    second = text.splitlines().index("- id: second-entry") + 1
    code, _out, err = run_cli("faq", "import", str(half_bad))
    assert code == 2
    assert f"{half_bad} line 1: answers.id is 1300 characters, the limit is 1200" in err
    assert f"{half_bad} line {second}: missing the English version (questions.en)" in err
    assert snapshot(knowledge) == before  # the good entry is not written alone either


def test_faq_add_with_flags_and_an_invalid_one(knowledge: Path) -> None:
    base = [
        "faq", "add", "--id", "consular-fees",
        "--question-id", "Berapa biaya layanan konsuler?",
        "--question-en", "How much do consular services cost?",
        "--answer-id", "Lihat daftar tarif di situs KBRI setempat.",
        "--answer-en", "See the fee list on the local embassy's website.",
        "--source-title", "Kemlu", "--source-date", "2026-11-01", "--file", "consular",
    ]  # fmt: skip
    before = snapshot(knowledge)
    code, _out, err = run_cli(*base[:-2], "--id", "Not Kebab")
    assert code == 2 and "must be kebab-case" in err and snapshot(knowledge) == before
    # Without a date the source is refused, and nothing is written.
    undated = [a for a in base if a not in ("--source-date", "2026-11-01")]
    code, _out, err = run_cli(*undated)
    assert code == 2 and "no date: give" in err and snapshot(knowledge) == before
    code, out, err = run_cli(*base)
    assert code == 0, err
    assert (knowledge / "faq" / "consular.yml").is_file()
    assert "make retrain" in out
    assert any(e.faq_id == "consular-fees" for e in load_faq(knowledge / "faq"))


def test_near_duplicate_found_by_the_fake_model_is_an_error_unless_allowed(
    knowledge: Path, tmp_path: Path
) -> None:
    existing = next(e for e in load_faq(knowledge / "faq"))
    # The same words in another order: not the same text, the same bag-of-words vector.
    reordered = {
        lang: [" ".join(reversed(existing.questions[lang][0].split()))] for lang in ["id", "en"]
    }
    row = {
        "id": "copy-of-first",
        "questions": reordered,
        "answers": dict(existing.answers),
        "source": {"title": "copy", "date": "2026-11-01"},
    }
    sheet = tmp_path / "dup.yml"
    sheet.write_text(yaml.safe_dump([row], allow_unicode=True), encoding="utf-8")
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "import", str(sheet))
    assert code == 2 and f"near-duplicate of FAQ '{existing.faq_id}'" in err
    assert snapshot(knowledge) == before
    code, _out, err = run_cli("faq", "import", str(sheet), "--allow-similar")
    assert code == 0 and "warning:" in err
    assert "accepted with --allow-similar" in (knowledge / "CHANGELOG.md").read_text()


def test_near_duplicate_and_contradiction_with_the_real_model(tmp_path: Path) -> None:
    """The real command and model on a copy of the project's knowledge: a reworded copy of an
    entry, and a reworded question about the e-VOA stay with another number, are both caught."""
    folder = tmp_path / "knowledge"
    for part in ("faq", "documents"):
        (folder / part).mkdir(parents=True)
        for file in (PROJECT_ROOT / "content" / part).iterdir():
            (folder / part / file.name).write_bytes(file.read_bytes())
    evoa = next(e for e in load_faq(folder / "faq") if e.faq_id == "visa-evoa-rules")
    entries = [
        {
            "id": "evoa-stay-again",
            "source": {"title": "Imigrasi", "date": "2024-04-01"},
            "questions": {
                "id": ["Berapa lama saya boleh tinggal di Indonesia dengan visa on arrival?"],
                "en": ["How long can I stay in Indonesia with a visa on arrival?"],
            },
            "answers": {"id": "Izin tinggal 60 hari.", "en": "The stay is 60 days."},
        },
        {
            "id": "evoa-copy",
            "source": {"title": "Imigrasi", "date": "2024-04-01"},
            "questions": {
                "id": ["Apa itu e-VOA atau visa saat kedatangan di Indonesia?"],
                "en": ["What is the Indonesian e-VOA (visa on arrival)?"],
            },
            "answers": dict(evoa.answers),
        },
    ]
    sheet = tmp_path / "new.yml"
    sheet.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    before = snapshot(folder)
    result = subprocess.run(
        [sys.executable, "-m", "admin", "faq", "validate", str(sheet)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DUTA_KNOWLEDGE_DIR": str(folder)},
    )
    assert result.returncode == 2, result.stderr
    assert "may contradict FAQ 'visa-evoa-rules'" in result.stderr
    assert f"{sheet} line 1" in result.stderr
    assert "near-duplicate of FAQ 'visa-evoa-rules'" in result.stderr
    assert snapshot(folder) == before


# --- any file at all (issue 8, bad input) --------------------------------------------------------

# Cells that look like what people paste: emoji, control characters, HTML, SQL, other scripts.
_NASTY_CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["<script>alert(1)</script>", "'; DROP TABLE faq; --", "\x00\x1b[31m", "🇮🇩🙏" * 20,
         '"unclosed', "a,b,c", "\ufeffid", "é" * 3000, "---\n- [", "{{ x }}", "=cmd|' /C calc'!A0"]
    ),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from([".csv", ".yml", ".yaml", ".txt"]),
    body=st.one_of(
        st.binary(max_size=400),
        st.lists(st.lists(_NASTY_CELL, max_size=12), max_size=4).map(
            lambda rows: (HEADER + "\n".join(",".join(row) for row in rows)).encode(
                "utf-8", "surrogatepass"
            )
        ),
        st.lists(_NASTY_CELL, max_size=6).map(
            lambda cells: ("- " + "\n- ".join(cells)).encode("utf-8", "surrogatepass")
        ),
    ),
)
def test_any_import_file_is_refused_clearly_or_imported(
    knowledge: Path, tmp_path: Path, suffix: str, body: bytes
) -> None:
    """Whatever the bytes: exit 0 (imported) or 2 with a message naming the file, never a
    traceback; and a refused import leaves every file as it was."""
    sheet = tmp_path / f"upload{suffix}"
    sheet.write_bytes(body)
    before = snapshot(knowledge)
    code, _out, err = run_cli("faq", "import", str(sheet))
    assert "Traceback" not in err
    if code != 0:
        assert code == 2, err
        assert err.strip() and "error" in err.lower(), err
        assert snapshot(knowledge) == before

"""Loaders for .txt/.md/.jsonl documents, FAQ YAML and events, with clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.build.builder import collect_units
from knowledge.build.loaders import load_documents
from knowledge.faq import faq_warnings, load_events, load_faq
from knowledge.records import KnowledgeInputError
from tests.unit.knowledge_testkit import FIXTURE_DIR, PROJECT_ROOT


def test_txt_md_and_jsonl_documents(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("Judul Polos\n\nIsi dokumen polos.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "meta.md").write_text(
        "---\ntitle: Dengan Metadata\npublisher: Kemlu\ndate: 2021-11-17\nlanguage: id\n"
        "url: https://kemlu.go.id/x\n---\nDengan Metadata\n\nKemlu\n\nIsi dengan metadata.",
        encoding="utf-8",
    )
    records = [
        {"id": "r1", "title": "Rekaman Satu", "text": "Teks satu.", "url": "https://a.example/1"},
        {"id": 2, "text": "Teks dua tanpa judul."},
    ]
    (tmp_path / "records.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8"
    )
    (tmp_path / ".hidden.txt").write_text("tidak dibaca", encoding="utf-8")
    (tmp_path / "ignored.csv").write_text("a,b", encoding="utf-8")
    docs = {d.doc_id: d for d in load_documents(tmp_path)}
    assert set(docs) == {"plain", "sub/meta", "r1", "2"}
    assert docs["plain"].title == "Judul Polos" and docs["plain"].text == "Isi dokumen polos."
    meta = docs["sub/meta"]
    assert (
        meta.title,
        meta.source.publisher,
        meta.source.date,
        meta.source.url,
        meta.language,
    ) == ("Dengan Metadata", "Kemlu", "2021-11-17", "https://kemlu.go.id/x", "id")
    assert meta.text == "Isi dengan metadata."  # title and lone publisher lines are not content
    assert docs["r1"].title == "Rekaman Satu" and docs["r1"].source.url == "https://a.example/1"
    # No title: the source shows the opening, the chunks carry no made-up title.
    assert docs["2"].source.title == docs["2"].text == "Teks dua tanpa judul."
    assert docs["2"].title == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": "ok"}\n{not json}\n', "records.jsonl:2: not valid JSON"),
        ('{"id": "a"}\n', "records.jsonl:1: field 'text'"),
        ('["a", "b"]\n', "records.jsonl:1: each line must be a JSON object"),
        ('{"id": "a", "text": "satu"}\n{"id": "a", "text": "dua"}\n', "share the id 'a'"),
    ],
)
def test_bad_jsonl_is_reported_with_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "records.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match=message.replace("[", r"\[")):
        load_documents(tmp_path)


def test_empty_folder_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeInputError, match=r"no \.txt, \.md or \.jsonl"):
        collect_units(tmp_path)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(KnowledgeInputError, match="not UTF-8"):
        load_documents(tmp_path)
    with pytest.raises(KnowledgeInputError, match="does not exist"):
        collect_units(tmp_path / "missing")


def test_fixture_faq_entries() -> None:
    entries = {e.faq_id: e for e in load_faq(FIXTURE_DIR / "faq")}
    assert set(entries) == {"fixture-safe-travel-what", "fixture-icdd-when", "fixture-hotline"}
    icdd = entries["fixture-icdd-when"]
    assert icdd.as_of == "2021-11-17" and icdd.document == "003_7aea6fd6eed808b3"
    assert icdd.questions["en"][0] == "When was the ICDD held?"
    assert entries["fixture-hotline"].volatile is True
    assert faq_warnings(list(entries.values()), {"003_7aea6fd6eed808b3"}) == []
    assert "not a known document" in faq_warnings(list(entries.values()), set())[0]


ENTRY = """
- id: {id}
  tags: [t]
  as_of: 2021-11-17
  volatile: {volatile}
  source: {{title: "S", publisher: "P", url: {url}, date: 2021-11-17}}
  questions: {{id: ["Tanya?"], en: {en}}}
  answers: {{id: "Jawab.", en: {answer_en}}}
"""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "Bad_Id"}, "kebab-case"),
        ({"en": "[]"}, "questions.en"),
        ({"answer_en": '""'}, "answers.en"),
        ({"url": "ftp://x"}, "source.url"),
        ({"volatile": "maybe"}, "volatile"),
    ],
)
def test_faq_validation_errors(tmp_path: Path, fields: dict[str, str], message: str) -> None:
    values = {
        "id": "ok-id",
        "volatile": "false",
        "url": "null",
        "en": '["Ask?"]',
        "answer_en": '"Answer."',
    }
    values.update(fields)
    (tmp_path / "x.yml").write_text(ENTRY.format(**values), encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match=message):
        load_faq(tmp_path)


def test_faq_ids_are_unique_across_files_and_volatile_needs_a_date(tmp_path: Path) -> None:
    values = {
        "id": "same-id",
        "volatile": "false",
        "url": "null",
        "en": '["Ask?"]',
        "answer_en": '"A."',
    }
    (tmp_path / "a.yml").write_text(ENTRY.format(**values), encoding="utf-8")
    (tmp_path / "b.yml").write_text(ENTRY.format(**values), encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match="already used"):
        load_faq(tmp_path)
    (tmp_path / "b.yml").unlink()
    volatile = ENTRY.format(**{**values, "id": "vol", "volatile": "true"}).replace(
        "as_of: 2021-11-17", "as_of: null"
    )
    (tmp_path / "b.yml").write_text(volatile, encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match="as_of"):
        load_faq(tmp_path)


def test_events(tmp_path: Path) -> None:
    events = load_events(FIXTURE_DIR / "events.yml")
    assert events[0]["id"] == "fixture-rcdd-2019" and events[0]["date"] == "2019-09-10"
    bad = (
        (FIXTURE_DIR / "events.yml")
        .read_text(encoding="utf-8")
        .replace("date: 2019-09-10", "date: null")
    )
    (tmp_path / "events.yml").write_text(bad, encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match="date_note"):
        load_events(tmp_path / "events.yml")


def test_project_knowledge_folder_units() -> None:
    units, _warnings = collect_units(PROJECT_ROOT / "content")
    entries = load_faq(PROJECT_ROOT / "content" / "faq")
    faq_units = [u for u in units if u.kind == "faq"]
    expected = sum(len(e.questions["id"]) + len(e.questions["en"]) + 2 for e in entries)
    assert len(faq_units) == expected  # every question variant in both languages + both answers
    assert {u.role for u in faq_units} == {"question", "answer"}
    doc_ids = {u.doc_id for u in units if u.kind == "document"}
    docs = load_documents(PROJECT_ROOT / "content" / "documents")
    originals = {d.doc_id for d in docs if d.translation_of is None}
    assert originals <= doc_ids and len(originals) == 5
    # Every source document has an English translation, indexed under the original's id.
    assert {d.translation_of for d in docs if d.translation_of} == originals
    translated = [u for u in units if u.extra.get("translated_from")]
    assert {u.doc_id for u in translated} == originals
    assert {u.language for u in translated} == {"en"}
    assert any(d.startswith("event:") for d in doc_ids)
    assert len({u.unit_id for u in units}) == len(units)
    # Every source document has question variants in both languages, like a FAQ entry.
    asked = {(u.doc_id, u.language) for u in units if u.kind == "document" and u.role == "question"}
    assert asked == {(doc_id, lang) for doc_id in originals for lang in ("id", "en")}


def _write_doc(folder: Path, name: str, language: str, translation_of: str | None = None) -> None:
    link = f"translation_of: {translation_of}\n" if translation_of else ""
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {name}\nlanguage: {language}\n{link}---\nSome text about {name}.\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        ([("orig.en", "en", "missing")], "translation_of 'missing' is not a document here"),
        ([("orig.id2", "id", "orig")], "needs a language other than its original's"),
        ([("orig.en", "en", "orig"), ("orig.en2", "en", "orig")], "already has a translation"),
        ([("orig.en", "en", "orig"), ("orig.en.id", "id", "orig.en")], "a translation"),
    ],
)
def test_bad_translations_are_refused(
    tmp_path: Path, translations: list[tuple[str, str, str]], message: str
) -> None:
    _write_doc(tmp_path, "orig", "id")
    for name, language, original in translations:
        _write_doc(tmp_path, name, language, original)
    with pytest.raises(KnowledgeInputError, match=message):
        collect_units(tmp_path)


def test_translation_units_belong_to_the_original(tmp_path: Path) -> None:
    _write_doc(tmp_path, "orig", "id")
    _write_doc(tmp_path, "orig.en", "en", "orig")
    units, _ = collect_units(tmp_path)
    assert {u.doc_id for u in units} == {"orig"}
    english = [u for u in units if u.language == "en"]
    assert [u.unit_id for u in english] == ["orig.en#0"]
    assert english[0].extra == {"translated_from": "id"} and english[0].title == "orig.en"
    assert english[0].source == next(u.source for u in units if u.language == "id")


def test_document_questions_become_question_units(tmp_path: Path) -> None:
    (tmp_path / "orig.md").write_text(
        "---\ntitle: Orig\nlanguage: id\nquestions:\n  id: ['Kapan acaranya?']\n"
        "  en: ['When was it?', '  Who spoke?  ']\n---\nAcaranya tanggal 12 Juli.\n",
        encoding="utf-8",
    )
    units, _ = collect_units(tmp_path)
    questions = [u for u in units if u.role == "question"]
    assert [(u.language, u.text) for u in questions] == [
        ("id", "Kapan acaranya?"),
        ("en", "When was it?"),
        ("en", "Who spoke?"),
    ]
    assert {(u.kind, u.doc_id, u.title) for u in questions} == {("document", "orig", "Orig")}
    assert [u.role for u in units if u.role != "question"] == ["chunk"]
    assert questions[0].source == units[0].source


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ("['When?']", "'questions' must map a language"),
        ("{fr: ['Quand?']}", "'questions' has language 'fr'; use id or en"),
        ("{en: 'When?'}", "'questions.en' must be a list"),
        ("{en: ['When?', '']}", "question 2 of 'questions.en' is empty"),
    ],
)
def test_bad_document_questions_are_refused(tmp_path: Path, questions: str, message: str) -> None:
    (tmp_path / "orig.md").write_text(
        f"---\ntitle: Orig\nquestions: {questions}\n---\nSome text.\n", encoding="utf-8"
    )
    with pytest.raises(KnowledgeInputError, match=message) as error:
        collect_units(tmp_path)
    assert "orig.md" in str(error.value)


def test_documents_with_the_same_text_are_indexed_once(tmp_path: Path) -> None:
    source = tmp_path / "docs"
    source.mkdir()
    records = [
        {"id": "a", "text": "Konferensi digelar 1514-1530 di Bali."},
        {"id": "b", "text": "Konferensi digelar 1514 - 1530 di Bali. </>"},
        {"id": "c", "text": "Konferensi digelar 1514-1530 di Jakarta."},
    ]
    (source / "r.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    units, warnings = collect_units(source)
    assert sorted({u.doc_id for u in units}) == ["a", "c"]
    assert all(u.extra["same_text"] == ["b"] for u in units if u.doc_id == "a")
    assert all("same_text" not in u.extra for u in units if u.doc_id == "c")
    assert any("'b' has the same text as 'a'" in w for w in warnings)

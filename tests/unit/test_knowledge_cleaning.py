"""Page debris never reaches a chunk; real content survives cleaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.build.builder import collect_units
from knowledge.build.cleaning import clean_text
from knowledge.build.loaders import load_documents

PROJECT_KNOWLEDGE = Path(__file__).resolve().parents[2] / "content"

# Markers of the widgets, ads and unrelated related-news stories in the source pages.
DEBRIS = [
    r"BERITA TERKAIT",
    r"BERITA LAINNYA",
    r"\bIklan\b",
    r"\bNotification\b",
    "\u00d7",
    r"Berita Terbaru",
    r"Last Updated",
    r"nozzle",
    r"SPBU",
    r"Valas",
    r"Dipasena",
    r"Kantar Millward",
    r"Infrastructure Finance",
    r"By Admin",
    r"\(marpa\)",
    r"\(p/ab\)",
]


@pytest.fixture(scope="module")
def project_chunks() -> list[str]:
    units, _ = collect_units(PROJECT_KNOWLEDGE)
    chunks = [
        u.embed_text() for u in units if u.kind == "document" and not u.doc_id.startswith("event:")
    ]
    assert len(chunks) >= 5
    return chunks


@pytest.mark.parametrize("pattern", DEBRIS)
def test_no_debris_in_any_chunk_of_the_real_documents(
    project_chunks: list[str], pattern: str
) -> None:
    offending = [c for c in project_chunks if re.search(pattern, c, re.IGNORECASE)]
    assert not offending, f"{pattern!r} reached a chunk: {offending[0][:200]}"


def test_the_raw_documents_do_contain_the_debris() -> None:
    # Guards the test above: it must be checking text that had debris to begin with.
    raw = "".join(
        p.read_text(encoding="utf-8") for p in (PROJECT_KNOWLEDGE / "documents").glob("*.md")
    )
    for pattern in (r"BERITA TERKAIT", r"\bIklan\b", r"\bNotification\b", "\u00d7", r"nozzle"):
        assert re.search(pattern, raw), pattern


def test_real_content_survives() -> None:
    loaded = load_documents(PROJECT_KNOWLEDGE / "documents")
    docs = {d.doc_id: d for d in loaded if d.translation_of is None}
    translations = [d for d in loaded if d.translation_of is not None]
    assert len(docs) == 5 and len(translations) == 5
    assert all(d.language == "en" and "BERITA" not in d.text for d in translations)
    assert "Safe Travel" in docs["001_f7c03f9f912ae368"].text
    assert "Smart Embassy" in docs["001_f7c03f9f912ae368"].text
    assert "Bali Message" in docs["003_7aea6fd6eed808b3"].text
    assert "4.300 pendaftar" in docs["003_7aea6fd6eed808b3"].text
    assert docs["003_7aea6fd6eed808b3"].source.date == "2021-11-17"
    assert docs["001_f7c03f9f912ae368"].source.publisher == "NERACA"
    assert all(d.language == "id" for d in docs.values())


def test_clean_text_cuts_related_news_and_widgets() -> None:
    page = (
        "Notification\n\n\u00d7\n\nIklan\n\nJudul Berita\n\nRabu, 17 November 2021 | 16:14 WIB "
        "Last Updated 2021-11-17T09:14:42Z\n\nIsi berita pertama.\n\nIsi berita kedua.(ab)\n\n"
        "BERITA TERKAIT\n\nHarga BBM naik\n\nSelang SPBU akan dipasang alat digital"
    )
    cleaned = clean_text(page)
    assert cleaned == "Judul Berita\n\nIsi berita pertama.\n\nIsi berita kedua."


def test_clean_text_drops_a_repeated_heading_and_odd_spaces() -> None:
    assert clean_text("JUDUL\n\nJUDUL\n\nTeks\u00a0dengan  spasi.") == "JUDUL\n\nTeks dengan spasi."


def test_a_sentence_that_mentions_related_news_is_not_a_block_heading() -> None:
    text = "Berita terbaru menyebutkan ICDD diikuti 19 negara.\n\nKalimat berikutnya tetap ada."
    assert clean_text(text) == text

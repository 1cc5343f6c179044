"""Search with the real multilingual-e5-small over a small index of real documents + fixture FAQ."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.build.builder import build_index
from knowledge.search import KnowledgeBase, shared_embedder
from tests.unit.knowledge_testkit import make_knowledge_folder


@pytest.fixture(scope="session")
def embedder():
    return shared_embedder()  # loaded once per test session


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder) -> KnowledgeBase:
    base = tmp_path_factory.mktemp("kb")
    source = make_knowledge_folder(base / "knowledge")
    build_index(source, base / "index", embedder)
    return KnowledgeBase.load(base / "index", embedder=embedder)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ICDD tahun 2021 diadain kapan sih?", "fixture-icdd-when"),
        ("When did the ICDD conference in Bali happen?", "fixture-icdd-when"),
        ("aplikasi kemenlu buat lindungi wni di luar negeri", "fixture-safe-travel-what"),
        ("nomor telepon darurat kemlu berapa", "fixture-hotline"),
        ("Berapa juta penduduk Indonesia menggunakan internet?", "001_f7c03f9f912ae368"),
        ("RCDD Jakarta Message", "event:fixture-rcdd-2019"),
    ],
)
def test_right_record_first_and_answerable(kb: KnowledgeBase, query: str, expected: str) -> None:
    result = kb.search(query, k=5)
    assert result.hits[0].doc_id == expected, [h.doc_id for h in result.hits]
    assert result.answerable


@pytest.mark.parametrize(
    "query",
    [
        "set an alarm for 6 am tomorrow",
        "putar lagu dangdut terbaru dong",
        "will it rain in Surabaya this afternoon?",
        "pesan meja untuk dua orang di restoran padang",
        "what films are showing at the cinema tonight",
        "Pemerintah siapkan digitalisasi nozzle BBM di SPBU",  # debris of document 001
    ],
)
def test_out_of_scope_gets_no_answer(kb: KnowledgeBase, query: str) -> None:
    result = kb.search(query, k=5)
    assert not result.answerable, (result.signals, [h.doc_id for h in result.hits])
    assert all("nozzle" not in h.text.lower() for h in result.hits)


@pytest.mark.parametrize(
    "query",
    [
        "ICDD tahun 2021 diadain kapan sih?",
        "nomor telepon darurat kemlu berapa",
        "apa saja panel di konferensi itu",
        "will it rain in Surabaya this afternoon?",
        "what films are showing at the cinema tonight",
    ],
)
def test_strict_bar_only_takes_answers_away(kb: KnowledgeBase, query: str) -> None:
    normal, strict = kb.search(query, k=5), kb.search(query, k=5, strict=True)
    assert strict.signals == normal.signals and strict.hits == normal.hits
    bar = kb.thresholds.strict_threshold
    assert bar >= kb.thresholds.threshold
    assert strict.answerable == (strict.signals["confidence"] >= bar)
    assert normal.answerable or not strict.answerable


def test_strict_bar_still_answers_a_clear_question(kb: KnowledgeBase) -> None:
    result = kb.search("ICDD tahun 2021 diadain kapan sih?", k=5, strict=True)
    assert result.answerable and result.hits[0].doc_id == "fixture-icdd-when", result.signals


def test_hit_shape_and_language(kb: KnowledgeBase) -> None:
    english = kb.search("What is the Safe Travel application?", k=3)
    top = english.hits[0]
    assert english.language == "en" and top.language == "en"
    assert top.kind == "faq" and top.faq_id == "fixture-safe-travel-what"
    assert top.text == top.answers["en"] and set(top.answers) == {"id", "en"}
    assert set(top.source) == {"title", "url", "date", "publisher", "accessed"}
    assert top.source["url"].startswith("https://")
    indonesian = kb.search("What is the Safe Travel application?", k=3, lang="id")
    assert indonesian.hits[0].text == top.answers["id"] and indonesian.hits[0].language == "id"
    scores = [h.score for h in english.hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.doc_id for h in english.hits}) == len(english.hits)  # one hit per record


def test_documents_hits_cite_their_source(kb: KnowledgeBase) -> None:
    hit = kb.search("Smart Embassy di KBRI Singapura", k=5).hits[0]
    assert hit.kind == "document" and hit.doc_id == "001_f7c03f9f912ae368"
    assert hit.title == "Lebih Efisien, Kemenlu Siapkan Diplomasi Digital"
    assert hit.source == {
        "title": hit.title,
        "url": "http://www.neraca.co.id/article/103384/lebih-efisien-kemenlu-siapkan-diplomasi-digital",
        "date": "2018-07-12",
        "publisher": "NERACA",
        "accessed": None,
    }


def test_empty_query(kb: KnowledgeBase) -> None:
    assert kb.search("   ").hits == [] and not kb.search("").answerable
    assert kb.search("ICDD", k=0).hits == []


def test_index_built_elsewhere_is_loaded_by_path(kb: KnowledgeBase, embedder) -> None:
    again = KnowledgeBase.load(Path(kb.path).parent.parent, embedder=embedder)
    assert again.version == kb.version and again.manifest["model"]["name"] == embedder.name


def test_translation_answers_for_its_document_in_the_users_language(
    tmp_path: Path, embedder
) -> None:
    source = make_knowledge_folder(
        tmp_path / "knowledge", ("001_f7c03f9f912ae368", "001_f7c03f9f912ae368.en")
    )
    build_index(source, tmp_path / "index", embedder)
    kb = KnowledgeBase.load(tmp_path / "index", embedder=embedder)
    question = "Which social networks did the minister say Indonesians had started using?"
    english = kb.search(question, k=5).hits
    top = english[0]
    assert top.doc_id == "001_f7c03f9f912ae368", [h.doc_id for h in english]
    assert top.language == "en" and top.extra["translated_from"] == "id"
    assert "social media" in top.text and "sosial" not in top.text  # the English passage
    assert top.title == "More efficient: the foreign ministry prepares digital diplomacy"
    assert top.source["title"] == "Lebih Efisien, Kemenlu Siapkan Diplomasi Digital"
    assert top.source["publisher"] == "NERACA"
    assert [h.doc_id for h in english].count(top.doc_id) == 1  # one hit for both languages
    indonesian = kb.search(question, k=5, lang="id").hits[0]
    assert indonesian.doc_id == top.doc_id and indonesian.language == "id"
    assert "translated_from" not in indonesian.extra


def test_document_won_by_its_question_variant_shows_a_passage(kb: KnowledgeBase) -> None:
    units = kb.index.units
    question = next(u for u in units if u.kind == "document" and u.role == "question")
    ranked = kb.index.rank(kb.query_scores(question.text), top=1)
    assert units[ranked[0].unit].role == "question"  # the variant itself is the best unit
    top = kb.search(question.text, k=3, lang=question.language).hits[0]
    chunks = {u.text for u in units if u.doc_id == question.doc_id and u.role == "chunk"}
    assert top.doc_id == question.doc_id and top.text in chunks
    assert top.language == "id"  # the fixture's documents are Indonesian only


@pytest.mark.parametrize(
    "query",
    [
        "apakah Safe Travel bisa dipakai tanpa internet?",
        "How many people follow Kemlu on TikTok?",
        "what films are showing at the cinema tonight",
        "ICDD tahun 2021 diadain kapan sih?",
    ],
)
def test_a_close_decline_offers_the_nearest_faq_entries(kb: KnowledgeBase, query: str) -> None:
    result = kb.search(query, k=5)
    bars = kb.thresholds
    close = not result.answerable and result.signals["confidence"] >= bars.suggest_threshold
    assert bool(result.nearby) == close, result.signals
    assert all(hit.kind == "faq" for hit in result.nearby)


def test_an_entry_that_answers_another_kind_of_question_loses_confidence(
    kb: KnowledgeBase,
) -> None:
    # The fixture entry's variants ask when (and where) ICDD was held, never how many came.
    assert "amount" not in kb.answered_kinds["fixture-icdd-when"]
    asked_when = kb.search("kapan ICDD 2021 diadakan?", k=3)
    asked_amount = kb.search("how many people came to the ICDD conference in Bali?", k=3)
    assert asked_when.hits[0].doc_id == asked_amount.hits[0].doc_id == "fixture-icdd-when"
    assert asked_when.signals["other_kind"] == 0.0 and asked_amount.signals["other_kind"] == 1.0
    signals = asked_amount.signals
    unpenalised = signals["dense"] + kb.thresholds.coverage_weight * signals["coverage"]
    assert signals["confidence"] == pytest.approx(unpenalised - kb.thresholds.other_kind_penalty)


def test_searching_several_queries_at_once_gives_each_its_own_result(kb: KnowledgeBase) -> None:
    queries = ["kapan ICDD diadakan?", "", "what is the Safe Travel app?"]
    together = kb.search_many(queries, k=3)
    assert len(together) == 3 and together[1].hits == [] and not together[1].answerable
    for query, result in zip(queries[::2], together[::2], strict=True):
        alone = kb.search(query, k=3)
        assert [h.doc_id for h in result.hits] == [h.doc_id for h in alone.hits]
        assert result.answerable == alone.answerable
        assert result.signals["confidence"] == pytest.approx(alone.signals["confidence"], abs=1e-4)


def test_unheld_share_is_what_a_reply_leaves_unanswered(kb: KnowledgeBase) -> None:
    card = ["KJRI Osaka. Alamat: 2-2-23 Uemachi. Telepon: +81 6 6252 9826", "Osaka, Japan"]
    assert kb.unheld_share("alamat KJRI Osaka", card) == 0.0
    # Chat abbreviations are spelled out on both sides, as a query's are for BM25.
    assert kb.unheld_share("KJRI Osaka liat alamat", [*card, "lihat"]) == 0.0
    asked_who = kb.unheld_share("siapa konsul jenderal KJRI Osaka", card)
    assert asked_who is not None and 0.3 < asked_who < 1.0
    # A field the reply lacks takes its words out of what is held.
    assert kb.unheld_share("telepon KJRI Osaka", card, lacking=["Telepon:"]) > 0.0
    assert kb.unheld_share("yang di mana ya", card) is None  # no informative word

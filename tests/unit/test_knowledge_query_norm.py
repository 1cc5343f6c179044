"""Query normalisation (knowledge/query_norm.py): chat abbreviations spelled out, colloquial "-in"
verbs and typos mended against the index's words, and clean queries left exactly as typed."""

from __future__ import annotations

from knowledge.query_norm import QueryNormaliser

TEXTS = [
    "Bagaimana cara memperpanjang paspor yang hilang di luar negeri?",
    "Safe Travel diluncurkan oleh Menteri Luar Negeri pada 14 April 2018.",
    "How much is the visa on arrival fee? The arrival visa costs Rp 500,000.",
    "Diplomasi digital adalah pemanfaatan internet untuk tujuan diplomatik.",
    "Indonesia's embassy in Tokyo helps citizens.",
]

# Stands in for the embedding model's tokenizer vocabulary: whole words of real text.
KNOWN = {"jalan", "tokyo", "start", "senang"}


def _normaliser() -> QueryNormaliser:
    return QueryNormaliser(TEXTS, known_word=lambda word: word in KNOWN)


def test_chat_abbreviations_are_spelled_out() -> None:
    norm = _normaliser()
    assert norm.normalise("gmn cara perpanjang paspor yg ilang") == (
        "bagaimana cara perpanjang paspor yang hilang"
    )
    assert norm.normalise("sy di luar negri, bisa gak?") == "saya di luar negeri, bisa tidak?"


def test_colloquial_in_suffix_becomes_kan_when_the_index_knows_the_stem() -> None:
    norm = _normaliser()
    assert norm.normalise("kapan safe travel diluncurin") == "kapan safe travel diluncurkan"
    # No such stem in the index: left alone.
    assert norm.word("dibeliin") == "dibeliin"


def test_typos_one_edit_from_an_index_word_are_mended() -> None:
    norm = _normaliser()
    assert norm.normalise("visa on arival fee") == "visa on arrival fee"
    assert norm.normalise("apa itu dipomasi digitl") == "apa itu diplomasi digital"
    assert norm.word("embasy") == "embassy"


def test_known_words_numbers_and_short_words_are_never_touched() -> None:
    norm = _normaliser()
    # "jalan" is one edit from nothing here, "senang"/"start" are real words one edit from
    # nothing in the index either; "tokyo" is in the index; "2018", "hp" short or numeric.
    for query in ("jalan-jalan ke Tokyo", "senang start", "hp 2018", "paspor hilang"):
        assert norm.normalise(query) == query
    # A real word one edit from an index word stays when the model knows it.
    assert QueryNormaliser(["the sedang word"], lambda w: w == "senang").word("senang") == "senang"
    # Without the model's vocabulary, the first letter is still kept: no "paris" -> "garis".
    assert QueryNormaliser(["garis batas"]).word("paris") == "paris"


def test_case_and_punctuation_of_unchanged_words_are_kept() -> None:
    norm = _normaliser()
    assert norm.normalise("Kapan ICDD diadakan?") == "Kapan ICDD diadakan?"
    assert norm.normalise("why shouldn't I apply") == "why shouldn't I apply"
    assert norm.normalise("Gmn ke KBRI?") == "bagaimana ke KBRI?"


def test_a_bare_nasal_prefix_becomes_me_n_when_the_index_knows_the_stem() -> None:
    norm = QueryNormaliser(["Cara menyampaikan pengaduan", "Cek status permohonan, mencari KBRI"])
    assert norm.normalise("gmn cara ngadu") == "bagaimana cara mengadu"
    assert norm.word("nyari") == "mencari"  # from the abbreviation table
    assert norm.word("nyoba") == "nyoba"  # neither "soba" nor "coba" is in the index
    assert norm.word("ngecek") == "cek"
    assert norm.word("ngeri") == "ngeri"  # never "ri"

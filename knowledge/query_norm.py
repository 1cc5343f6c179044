"""Query normalisation for BM25: chat abbreviations and colloquial Indonesian spelled out, and
typos mended against the index's own vocabulary.

People type "gmn cara perpanjang paspor yg ilang", "kapan diluncurin", "visa on arival": BM25 then
misses the words the records hold. Three steps, word by word, only on the query (the index keeps
its text). The encoder keeps the query as typed: e5 copes with these spellings itself, and feeding
it the normalised text measured slightly worse (docs/benchmarks.md).

1. A fixed table of common chat abbreviations and colloquial forms (Indonesian and a few English
   ones): "gmn" -> "bagaimana", "yg" -> "yang", "ilang" -> "hilang", "u" -> "you". Written from
   general usage, not from any question set.
2. A word the index does not contain, with the colloquial Jakarta suffix "-in" ("diluncurin",
   "gantiin") or a bare nasal prefix ("ngadu", "nyoba", "ngecek"), becomes its standard "-kan"
   or "me(N)-" form when that form's stem is in the index.
3. Any other word of at least 5 letters that is unknown becomes the index word one edit away (a
   letter dropped, added, changed or two swapped, the first letter kept), the most frequent one
   when there are several: "arival" -> "arrival", "dipomasi" -> "diplomasi". Known means: in the
   index, its stem in the index, or a whole word of the embedding model's tokenizer vocabulary
   (250k pieces learnt from web text in ~100 languages, so "jalan", "Tokyo" or "start" are
   words even where the index lacks them; `known_word`). Numbers and short words are never
   touched, so a clean query passes unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from knowledge.text_tokens import STOPWORDS, normalise_text, raw_tokens, stem

NORMALISER_VERSION = "chat-2"


def _pairs(block: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.strip().splitlines():
        target, sources = line.split(":", 1)
        for source in sources.split():
            out[source] = target.strip()
    return out


# target: the forms that mean it. General chat Indonesian (and a little English chat).
ABBREVIATIONS = _pairs(
    """
    tidak: gak ga gk ngga nggak nggk engga enggak tdk tak
    bagaimana: gmn gmna gimana gmana gimane
    yang: yg
    dengan: dgn dg
    saya: sy gue gw gua
    kamu: kmu lu lo elu
    untuk: utk utuk untk tuk
    sangat: bgt bngt banget
    saja: aja aj doang
    sudah: udh udah sdh dah
    belum: blm blom belom
    karena: krn krna karna
    kapan: kpn
    berapa: brp brapa
    di mana: dmn dmna
    kenapa: knp knapa
    orang: org
    bisa: bs bsa
    juga: jg
    lagi: lg
    tapi: tp tpi
    kalau: kalo klo kl
    memang: emg emang
    begitu: gitu
    begini: gini
    hanya: cuma cuman
    ingin: pengen pingin pgn
    terus: trs trus
    sampai: sampe
    benar: bener bnr
    dapat: dapet dpt
    lihat: liat
    seperti: kayak kyk
    terima kasih: makasih mksh
    melakukan apa: ngapain
    membuat: bikin
    dibuat: dibikin
    pakai: pake
    dipakai: dipake
    hilang: ilang
    bertanya: nanya
    mencari: nyari
    negeri: negri
    dari: dr
    pada: pd
    dalam: dlm
    tahun: thn
    tanggal: tgl
    bulan: bln
    sebagai: sbg
    tentang: ttg
    jadi: jd jdi
    masih: msh
    harus: hrs kudu
    sebelum: sblm
    setelah: stlh
    beberapa: bbrp
    sekarang: skrg skrng
    mau: mw mo
    akan: bakal
    lewat: lwt
    tersebut: tsb
    you: u
    your: ur
    please: pls plz
    thanks: thx
    about: abt
    government: govt
    what: wat
    """
)

_MIN_TYPO_LEN = 5
_VOWELS = "aiueo"


def _standard_forms(word: str) -> list[str]:
    """The standard spellings a colloquial verb may stand for, to be checked against the index:
    Jakarta "-in" for "-kan" ("diluncurin"), and the bare nasal prefix for "me(N)-" ("ngadu" ->
    "mengadu", "nyoba" -> "menyoba"/"mencoba", "ngecek" -> "mengecek"/"cek")."""
    if len(word) < 5:
        return []
    bases = [word]
    if word.startswith("nge") and word[3] not in _VOWELS:
        bases.append("menge" + word[3:])
        if len(word) >= 6:  # "ngecek" -> "cek", never "ngeri" -> "ri"
            bases.append(word[3:])
    elif word.startswith("ng") and word[2] in _VOWELS:
        bases.append("me" + word)
    elif word.startswith("ny") and word[2] in _VOWELS:
        bases += ["me" + word, "menc" + word[2:]]
    forms = bases[1:]
    forms += [base[:-2] + "kan" for base in bases if base.endswith("in") and len(base) >= 6]
    return forms


_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 (one letter dropped, added, changed or swapped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class QueryNormaliser:
    """Built from the index's texts; `normalise(query)` returns the query to search with."""

    def __init__(
        self, texts: Iterable[str], known_word: Callable[[str], bool] | None = None
    ) -> None:
        self.known_word = known_word
        self.vocabulary: Counter[str] = Counter()
        for text in texts:
            self.vocabulary.update(raw_tokens(text))
        self.stems = {stem(word) for word in self.vocabulary}
        self._by_delete: dict[str, set[str]] = {}
        for word in self.vocabulary:
            if len(word) >= _MIN_TYPO_LEN - 1 and word.isalpha():
                for variant in _deletes(word) | {word}:
                    self._by_delete.setdefault(variant, set()).add(word)

    def word(self, word: str) -> str:
        """The standard or corrected form of one lowercase word (itself when nothing applies)."""
        if word in ABBREVIATIONS:
            return ABBREVIATIONS[word]
        if word in self.vocabulary or word in STOPWORDS or not word.isalpha():
            return word
        for standard in _standard_forms(word):
            if stem(standard) in self.stems:
                return standard
        if len(word) < _MIN_TYPO_LEN or stem(word) in self.stems:
            return word
        if self.known_word is not None and self.known_word(word):
            return word
        candidates: set[str] = set(self._by_delete.get(word, ()))
        for variant in _deletes(word):
            candidates |= self._by_delete.get(variant, set())
        matches = [c for c in candidates if c[0] == word[0] and _one_edit(word, c)]
        if not matches:
            return word
        return max(matches, key=lambda c: (self.vocabulary[c], c))

    def normalise(self, query: str) -> str:
        """The query with changed words replaced; every other character kept as typed (the
        encoder is case-sensitive)."""

        def replace(match: re.Match[str]) -> str:
            original = match.group(0)
            folded = normalise_text(original)
            better = self.word(folded)
            return original if better == folded else better

        return _WORD_RE.sub(replace, query)

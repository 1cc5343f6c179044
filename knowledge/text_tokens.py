"""Tokenisation for BM25: lowercase, accents folded, punctuation dropped, Indonesian affixes
stripped.

The stemmer is a light rule-based one in the spirit of Tala (2003): no dictionary, only particle,
possessive, prefix and suffix rules with length guards. It is applied to every token, English ones
included: what matters for BM25 is that query and passage map a word to the same key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TOKENIZER_VERSION = "id-tala-3"

_TOKEN_RE = re.compile(r"[a-z0-9]+")


def _words(block: str) -> list[str]:
    return block.split()


STOPWORDS_ID = frozenset(
    _words(
        """
        ada adalah agar akan aku anda antara apa apakah atas atau bagaimana bagi bahkan bahwa
        banyak beberapa begitu belum berapa bisa boleh bukan dalam dan dapat dari daripada
        demikian dengan di dia dimana diri dong ga gak hal hanya harus hingga ia ialah ini itu
        jadi jika juga kalau kami kamu kan kapan karena ke kenapa kepada ketika kita kok lagi
        lah lain maka mana masih melalui mengapa mereka meski mungkin namun nggak nya oleh pada
        para pun saat saja sama sambil sangat sebagai sebelum secara sedang seperti serta
        setelah siapa sih sudah supaya tak tapi telah tentang terhadap tersebut tidak untuk
        yaitu yakni yang aja gimana dimana apanya ya yg udah sebuah seorang si sang tsb dgn utk
        dr pd itulah inilah bagaimanakah apaan tuh nih deh lho loh kah yuk
        """
    )
)

# The last line: what is left of contractions ("I'd", "it's", "don't", "we'll") once the
# apostrophe splits them.
STOPWORDS_EN = frozenset(
    _words(
        """
        a about above after again all am an and any are as at be been before being below between
        both but by can could did do does doing down during each few for from further had has
        have having he her here hers him his how i if in into is it its itself just me more most
        my no nor not of off on once only or other our ours out over own same she should so some
        such than that the their theirs them then there these they this those through to too
        under until up very was we were what when where which while who whom why will with would
        you your yours please tell know
        s t d m ll re ve
        """
    )
)

STOPWORDS = STOPWORDS_ID | STOPWORDS_EN

_PARTICLES = ("kah", "lah", "tah", "pun")
_POSSESSIVES = ("nya", "ku", "mu")
_MIN_STEM = 3
_VOWEL_RUN = re.compile(r"[aiueo]+")


def _long_enough(rest: str) -> bool:
    """Whether an affix may come off and leave `rest`: four letters, or three in two syllables
    ('mengadu' -> 'adu', 'pengisian' -> 'isi'; 'jalan' keeps its 'an')."""
    if len(rest) > _MIN_STEM:
        return True
    return len(rest) == _MIN_STEM and len(_VOWEL_RUN.findall(rest)) >= 2


def normalise_text(text: str) -> str:
    """Lowercase and fold accents so 'Diplomási' and 'diplomasi' meet."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()


def raw_tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(normalise_text(text))


def _strip_suffix(word: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and _long_enough(word[: -len(suffix)]):
            return word[: -len(suffix)]
    return word


def _strip_first_prefix(word: str) -> tuple[str, bool]:
    # Order matters: longest prefixes first; nasal prefixes restore the dropped initial sound.
    rules = (
        ("meny", "s"),
        ("peny", "s"),
        ("meng", ""),
        ("peng", ""),
        ("mem", "p"),
        ("pem", "p"),
        ("men", ""),
        ("pen", ""),
        ("me", ""),
        ("di", ""),
        ("ter", ""),
        ("ke", ""),
    )
    for prefix, restore in rules:
        if word.startswith(prefix):
            rest = restore + word[len(prefix) :]
            if _long_enough(rest):
                if prefix in ("mem", "pem") and rest[1:2] not in ("a", "e", "i", "o", "u"):
                    rest = rest[1:]  # 'membangun' -> 'bangun', not 'pbangun'
                return rest, True
    return word, False


def _strip_second_prefix(word: str) -> str:
    for prefix in ("ber", "per", "be", "pe"):
        if word.startswith(prefix) and _long_enough(word[len(prefix) :]):
            return word[len(prefix) :]
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Light Indonesian stem of one lowercase token; short words and numbers pass unchanged."""
    if len(word) < 5 or word.isdigit():
        return word
    word = _strip_suffix(word, _PARTICLES)
    word = _strip_suffix(word, _POSSESSIVES)
    word, had_first = _strip_first_prefix(word)
    if had_first:
        word = _strip_suffix(word, ("kan", "an", "i"))
        word = _strip_second_prefix(word)
    else:
        word = _strip_second_prefix(word)
        word = _strip_suffix(word, ("kan", "an", "i"))
    return word


def bm25_tokens(text: str) -> list[str]:
    """Tokens that BM25 indexes and queries with: stopwords out, the rest stemmed."""
    out: list[str] = []
    for token in raw_tokens(text):
        if token in STOPWORDS:
            continue
        # Particles glued to question words ('siapakah', 'apakah') are stopwords once stripped.
        base = _strip_suffix(token, _PARTICLES)
        if base in STOPWORDS:
            continue
        out.append(stem(token))
    return out

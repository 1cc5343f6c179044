"""Indonesian or English? Small word lists, affix cues and one-typo matching, lingua on a tie.

Each word votes for a language: a listed function word, greeting or colloquial particle counts
fully, a word that is one typo away from a listed one or that only has the language's typical
affixes counts half. Mixed sentences go to the majority. A tie (or no vote) in a message of two
words or more goes to lingua's character n-gram models when they are clearly surer of one language
("Cancel tomorrow's reminders"); any other tie, and every one-word message without a listed word
("ok", "ICDD", "menu", "Malaysia"), gives None, so callers fall back to the channel's hint or the
previous turn. Measured by bench/language.py against the word lists alone and lingua alone, which
both serve more messages of the project's sets in the wrong language (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder


def _words(block: str) -> list[str]:
    return block.split()


_ID_WORDS = frozenset(
    _words(
        """
        yang dan di ke dari ini itu dengan untuk tidak tak bukan ada adalah apa apakah siapa
        kapan dimana mana bagaimana berapa mengapa kenapa saya aku kami kita kamu anda dia
        mereka bisa dapat akan sudah belum sedang masih juga saja atau tetapi tapi karena jika
        kalau agar supaya pada dalam oleh sebagai seperti tentang bagi antara setelah sebelum
        ketika saat lagi sangat lebih paling harus boleh mau ingin perlu tolong mohon terima
        kasih selamat pagi siang sore malam halo hai apa kabar baik buat sama punya tahun bulan
        hari negara luar negeri warga paspor visa kedutaan besar konsulat bantuan informasi cara
        daftar biaya berapa syarat apakah gak nggak ngga enggak ga gk tdk gimana gmn dong sih
        aja kok deh nih tuh yuk kak mas mbak pak bu bapak ibu udah sdh blm yg dgn utk gue gw lu
        lo aja banget kayak gitu gini emang kalo klo makasih trims oke sip siap nanya tanya
        jawab tau tahu bikin pakai pake dapet dapat diplomasi luar digital kemlu kemenlu menlu
        wni kbri kjri apa saja ya iya tidak bahasa inggris adakah bagaimanakah
        siapakah kapankah dimanakah berapakah mengurus urus hilang baru
        sy bs lg dr krn trs jd tp udh sm skrg bgt kmrn cuma lwt dmn brp tlg hrs msh org dlm jg
        td bsk knp bkn dpt sblm stlh kan th thn
        """
    )
)

_EN_WORDS = frozenset(
    _words(
        """
        the a an and or but of to in on at for with from by about is are was were be been being
        do does did have has had what who whom when where why how which can could would should
        will shall may might must i you he she we they it me my your our their this that these
        those there here not no yes please thank thanks hello hi hey good morning afternoon
        evening night bye goodbye help need want know tell get make find some any all more most
        much many very also just only if then than so because as into after before during while
        embassy passport visa citizen citizens abroad country foreign ministry apply application
        renew lost travel app conference digital diplomacy wanna gonna gotta pls plz thx u ur im
        dont doesnt cant wont isnt arent whats hows wheres english indonesian language speak
        switch fee cost price held take place happen happened its thats theres lets whos youre
        ive
        """
    )
)

# Words with their apostrophes dropped ("what's" is "whats", a listed word); a token with a
# digit ("4th", "2019") is no word of either language.
_TOKEN_RE = re.compile(r"[a-z0-9à-ÿ]+")
_APOSTROPHES = str.maketrans("", "", "'\u2019")
# Prefixes, suffixes, and the colloquial passive "di...in" ("diluncurin", "dibikinin").
_ID_AFFIX_RE = re.compile(
    r"^(meng|meny|mem|men|ber|ter|per|peng|pem|pen|ke|se)\w{3,}|\w{3,}(nya|kan|lah|kah|an)$"
    r"|^di\w{3,}in$"
)
_EN_AFFIX_RE = re.compile(r"\w{3,}(ing|tion|tions|ness|ment|ly|ed|ful|ous|able)$|^(th|wh)\w+")
_NEUTRAL = frozenset(
    {"ok", "oke", "okay", "icdd", "rcdd", "kemlu", "covid", "bali", "jakarta", "indonesia"}
)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@lru_cache(maxsize=1)
def _typo_maps() -> tuple[dict[str, str], dict[str, str]]:
    """Symmetric-delete maps: a word one edit from a listed word shares a delete with it."""
    maps: list[dict[str, str]] = []
    for words in (_ID_WORDS, _EN_WORDS):
        mapping: dict[str, str] = {}
        for word in words:
            if len(word) >= 5:
                for variant in _deletes(word) | {word}:
                    mapping.setdefault(variant, word)
        maps.append(mapping)
    return maps[0], maps[1]


def _vote(word: str) -> tuple[float, float]:
    if word in _NEUTRAL:
        return 0.0, 0.0
    in_id, in_en = word in _ID_WORDS, word in _EN_WORDS
    if in_id or in_en:
        return float(in_id), float(in_en)
    if len(word) >= 5:
        id_map, en_map = _typo_maps()
        variants = _deletes(word) | {word}
        typo_id = any(v in id_map for v in variants)
        typo_en = any(v in en_map for v in variants)
        if typo_id or typo_en:
            return 0.5 * typo_id, 0.5 * typo_en
    affix_id = bool(_ID_AFFIX_RE.match(word))
    affix_en = bool(_EN_AFFIX_RE.match(word))
    return 0.5 * (affix_id and not affix_en), 0.5 * (affix_en and not affix_id)


def _word_tokens(text: str) -> list[str]:
    tokens = _TOKEN_RE.findall(text.lower().translate(_APOSTROPHES))
    return [token for token in tokens if not any(c.isdigit() for c in token)]


def language_votes(text: str) -> tuple[float, float]:
    id_score = en_score = 0.0
    for word in _word_tokens(text):
        vote_id, vote_en = _vote(word)
        id_score += vote_id
        en_score += vote_en
    return id_score, en_score


def content_words(text: str) -> list[str]:
    """The words of a text that may carry evidence (names like "ICDD" or "Bali" do not)."""
    return [word for word in _word_tokens(text) if word not in _NEUTRAL]


# lingua decides a tie only when it is this much surer of one language than of the other (its
# two confidences sum to 1): chosen on the tuning splits by bench/language.py, where 0 and 0.5
# served as many texts wrongly and 0.5 made fewer wrong guesses, which would override a right hint.
_TIE_MARGIN = 0.5


@lru_cache(maxsize=1)
def _lingua() -> LanguageDetector:
    # Built once: by `prepare` at a server's start, else at the first tie (tools, tests), so a
    # command that never meets one does not pay its 60-80 MB. Preloaded because lazily loaded
    # n-gram models made single calls take up to 0.6 s. The models are inside the wheel:
    # nothing is downloaded.
    builder = LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.ENGLISH)
    return builder.with_preloaded_language_models().build()


def prepare() -> None:
    """Build the tie-breaker now rather than at a user's first tie, where its second of loading
    would stall the server's event loop: servers call this in a background thread at start."""
    _lingua()


def detect_language(text: str) -> str | None:
    """'id', 'en', or None when the text carries no evidence either way (e.g. 'ok', 'ICDD')."""
    text = text or ""
    id_score, en_score = language_votes(text)
    if id_score > en_score:
        return "id"
    if en_score > id_score:
        return "en"
    # One word is ambiguous by nature ("visa", "menu", a country): the caller's fallback knows
    # better than any model.
    if len(content_words(text)) < 2:
        return None
    values = _lingua().compute_language_confidence_values(text)
    if values[0].value - values[1].value < _TIE_MARGIN:
        return None
    return "id" if values[0].language == Language.INDONESIAN else "en"

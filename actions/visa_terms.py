"""Reading the visa form's answers from what users type (both languages, colloquial).

Buttons send exact values as entities; these readers cover typed answers such as "saya orang
jerman mau liburan ke bali" (a foreigner, tourism, not ASEAN). Each returns None when the text
gives no clear answer, and the form asks again.
"""

from __future__ import annotations

import re

# Country names and demonyms as users write them (Indonesian and English), by ASEAN membership.
# Timor-Leste is left out on purpose: unknown nationalities are asked "ASEAN or not?" instead.
ASEAN = (
    "malaysia malaysian singapura singapore singaporean thailand thai filipina philippines "
    "filipino pilipina vietnam viet nam vietnamese brunei bruneian laos lao laotian myanmar "
    "burma burmese kamboja cambodia cambodian"
)
NON_ASEAN = (
    "jerman germany german australia australian aussie amerika america american usa us "
    "inggris britain british uk england english belanda netherlands dutch holland prancis "
    "perancis france french jepang japan japanese korea korean china cina tiongkok chinese "
    "taiwan taiwanese india indian pakistan pakistani bangladesh arab saudi emirates uae qatar "
    "mesir egypt turki turkey turkish rusia russia russian ukraina ukraine italia italy "
    "italian spanyol spain spanish portugal portuguese swiss switzerland swedia sweden swedish "
    "norwegia norway norwegian denmark danish finlandia finland belgia belgium austria polandia "
    "poland irlandia ireland irish kanada canada canadian meksiko mexico brasil brazil "
    "brazilian argentina selandia zealand nigeria kenya afrika africa"
)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _has(text: str, pattern: str) -> bool:
    return re.search(pattern, text.lower()) is not None


def nationality(text: str) -> str | None:
    """'asean' or 'other' from a country, a demonym or "(bukan) ASEAN"."""
    if _has(text, r"\b(bukan|non|not|tidak|nggak|gak|luar)[\s-]*(dari\s+)?(negara\s+)?asean\b"):
        return "other"
    if _has(text, r"\basean\b"):
        return "asean"
    words = _words(text)
    asean, other = bool(words & set(ASEAN.split())), bool(words & set(NON_ASEAN.split()))
    if asean != other:
        return "asean" if asean else "other"
    return None


_FOREIGNER = (
    r"\b(wna|bule|orang asing|warga( negara)? asing|turis asing|foreigner|foreign "
    r"(national|tourist|visitor|citizen)|non[\s-]?indonesian)\b"
)
_TO_INDONESIA = (
    r"\b(ke|masuk|visit\w*|to|into|enter\w*|datang)\b[\w\s]{0,12}?\b"
    r"(indonesia|bali|jakarta|lombok|jogja|yogyakarta|bandung|surabaya|labuan bajo)\b"
)
_INDONESIAN = (
    r"\b(wni|orang indonesia|warga( negara)? indonesia|i'?m indonesian|i am indonesian|"
    r"indonesian (citizen|national|passport)|paspor indonesia)\b"
)
_ABROAD = r"\b(luar negeri|abroad|overseas|going (to )?(another|a foreign) country)\b"
_CITIZEN_OF = r"\b(orang|warga|citizen|national|from|dari|i'?m|i am|paspor|passport)\b"


def direction(text: str) -> str | None:
    """'to_indonesia' (a foreign visitor) or 'abroad' (an Indonesian going abroad)."""
    abroad = _has(text, _INDONESIAN) or _has(text, _ABROAD)
    # "saya orang jerman", "i'm from malaysia": a foreign nationality means a foreign visitor.
    foreign_citizen = not abroad and _has(text, _CITIZEN_OF) and nationality(text) is not None
    to_indonesia = _has(text, _FOREIGNER) or _has(text, _TO_INDONESIA) or foreign_citizen
    if to_indonesia != abroad:
        return "to_indonesia" if to_indonesia else "abroad"
    return None


_PURPOSES = {
    "tourism": (
        r"\b(wisata|liburan|libur|jalan[\s-]?jalan|jalan2|turis|plesir|bulan madu|tourism|"
        r"tourist|holiday|vacation|sightseeing|honeymoon|backpacking|leisure)\b"
    ),
    "business": (
        r"\b(bisnis|business|meeting|rapat|dagang|pameran|trade fair|klien|client|conference|"
        r"konferensi)\b"
    ),
    "other": (
        r"\b(kerja|bekerja|work|working|job|kuliah|sekolah|studi|study|studying|student|"
        r"riset|research|tinggal|pindah|live|living|menikah|nikah|married|"
        r"volunteer|lainnya|other)\b"
    ),
}


def purpose(text: str) -> str | None:
    """'tourism', 'business' or 'other' (work, study, family, living there)."""
    found = [name for name, pattern in _PURPOSES.items() if _has(text, pattern)]
    return found[0] if len(found) == 1 else None

"""Personal data out of a user's question before the console keeps it (docs/privacy.md).

Replaced, in this order: e-mail addresses, NIK (16-digit Indonesian identity numbers, also
written in groups), passport numbers (a letter or two and 6-8 digits, or any number-like word
right after "paspor"/"passport"), phone numbers (9 or more digits, with + ( ) - . or spaces
between), and the name after "nama saya", "saya bernama", "my name is", "I am called". Dates
(8 digits at most) and years stay: they matter to the question and identify nobody.
"""

from __future__ import annotations

import re

EMAIL = "[EMAIL]"
NIK = "[NIK]"
PASSPORT = "[PASSPORT]"
PHONE = "[PHONE]"
NAME = "[NAME]"

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 16 digits, optionally in groups separated by a space, dot or dash (3201 2345 6789 0001).
_NIK_RE = re.compile(r"(?<![\w+])\d(?:[ .-]?\d){15}(?!\w)")
_PASSPORT_RE = re.compile(r"\b[A-Z]{1,2} ?\d{6,8}\b")
_PASSPORT_WORD_RE = re.compile(
    r"(\b(?:paspor|passport)(?:\s+(?:no\.?|nomor|number|nomer|saya|my|#))*[\s:#]*)"
    r"([A-Za-z]{0,2}\d[\w-]{4,10})",
    re.IGNORECASE,
)
_PHONE_RE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().-]{0,2}\d){8,}(?!\w)")
# The words that end a name: function words of both languages after which the sentence goes on.
_NAME_STOP = (
    "dan|dari|di|ke|yang|saya|mau|ingin|akan|sedang|tinggal|lahir|adalah|ingin|tolong|mohon|"
    "and|from|in|at|i|i'm|im|want|would|need|live|living|born|please|but|my|the|a"
)
_NAME_RE = re.compile(
    r"(\b(?:nama\s+saya(?:\s+adalah)?|saya\s+bernama|nama\s+lengkap\s+saya(?:\s+adalah)?|"
    r"my\s+(?:full\s+)?name\s+is|my\s+name's|i\s+am\s+called|call\s+me)\s*:?\s+)"
    rf"((?:(?!(?:{_NAME_STOP})\b)[^\W\d_][\w'-]*\s*){{1,4}})",
    re.IGNORECASE | re.UNICODE,
)


def _name(match: re.Match[str]) -> str:
    # Keep the space (or none) that followed the name, so the sentence reads on.
    trailing = match.group(2)[len(match.group(2).rstrip()) :]
    return f"{match.group(1)}{NAME}{trailing}"


def redact(text: str) -> str:
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _NIK_RE.sub(NIK, text)
    text = _PASSPORT_WORD_RE.sub(lambda m: f"{m.group(1)}{PASSPORT}", text)
    text = _PASSPORT_RE.sub(PASSPORT, text)
    text = _PHONE_RE.sub(PHONE, text)
    return _NAME_RE.sub(_name, text)

"""The gateway's words in Indonesian and English, from one catalogue (bot/texts.yml: errors and
apologies of every channel, Telegram's commands and menu, the staff console), and whose language
to use.

Language for these texts, first match wins: the request's `lang`; the language of the message
text (`knowledge.language.detect_language`); the browser's Accept-Language; Indonesian, since
most people who ask Kemlu's services are Indonesian citizens. Answers from the assistant itself
follow Rasa's `language` slot instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import yaml

from knowledge.language import detect_language

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
DEFAULT_LANGUAGE: Language = "id"

# Every text the gateway says, by key and language (bot/texts.yml).
_TEXTS: dict[str, dict[Language, str]] = yaml.safe_load(
    (Path(__file__).resolve().parent / "texts.yml").read_text(encoding="utf-8")
)
# Each language's name in itself (Telegram's /lang).
LANGUAGE_NAMES: dict[Language, str] = {"id": "Bahasa Indonesia", "en": "English"}


def text(key: str, language: Language, **params: object) -> str:
    return _TEXTS[key][language].format(**params)


def has_text(key: str) -> bool:
    return key in _TEXTS


def texts_starting(prefix: str) -> dict[Language, dict[str, str]]:
    """Every text whose key starts with `prefix`, by language, keyed without the prefix (the
    widget's interface words, which the gateway puts into the file it serves)."""
    return {
        language: {
            key.removeprefix(prefix): texts[language]
            for key, texts in _TEXTS.items()
            if key.startswith(prefix)
        }
        for language in LANGUAGES
    }


def page_language(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> Language:
    """A console page's: ?lang= (the switch), then the remembered choice, then the browser's,
    then Indonesian."""
    return (
        as_language(query_lang)
        or as_language(cookie_lang)
        or from_accept_language(accept)
        or DEFAULT_LANGUAGE
    )


def as_language(value: object) -> Language | None:
    return cast(Language, value) if value in LANGUAGES else None


def from_accept_language(header: str | None) -> Language | None:
    """The first of id/en in the header's order of preference (q-values honoured)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for negative_quality, _, primary in sorted(ranked):
        # "in" is the old ISO 639 code for Indonesian, still sent by some Android versions.
        language = as_language("id" if primary == "in" else primary)
        if language and negative_quality < 0:
            return language
    return None


def choose_language(
    lang: object = None, message: object = None, accept_language: str | None = None
) -> Language:
    """See the module docstring for the order."""
    return (
        as_language(lang)
        or (as_language(detect_language(message)) if isinstance(message, str) else None)
        or from_accept_language(accept_language)
        or DEFAULT_LANGUAGE
    )

"""A channel-neutral `render.Message` → Telegram messages: HTML-escaped text, sources, parts.

Telegram counts a message's length in UTF-16 code units of its visible text (after HTML parsing)
and refuses more than 4096, so long answers are split: at paragraph breaks, else at sentence
ends, else at spaces, else anywhere.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.i18n import Language, text
from bot.render import Button, Message, Source

TELEGRAM_MAX_CHARS = 4096
# Coarsest first; each level is tried only inside a piece the previous one left too long.
_BREAKS = (
    re.compile(r"\n[ \t]*\n\s*"),  # blank line: paragraph
    re.compile(r"(?<=[.!?…])\s+|\n"),  # sentence end or single line break
    re.compile(r"\s+"),  # between words
)


# Replies written for every channel say: type "menu". On Telegram the word is a command.
_TYPED_MENU = re.compile(r'["“]menu["”]', re.IGNORECASE)


def telegram_wording(text: str) -> str:
    return _TYPED_MENU.sub("/menu", text)


@dataclass
class Part:
    """One Telegram message: HTML text and the buttons under it."""

    html: str
    buttons: list[Button] = field(default_factory=list)


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_MAX_CHARS) -> list[str]:
    """Parts of at most `limit` units, none empty, at the coarsest break that fits."""
    parts = _split(text.strip(), limit, 0)
    return [p.strip() for p in parts if p.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if tg_len(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        return _hard_split(text, limit)
    pieces = _pieces(text, _BREAKS[level])
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    parts: list[str] = []
    current = ""
    for separator, piece in pieces:
        joined = f"{current}{separator}{piece}" if current else piece
        if tg_len(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        smaller = _split(piece, limit, level + 1)
        parts.extend(smaller[:-1])
        current = smaller[-1]  # later pieces may still join the last one
    parts.append(current)
    return parts


def _pieces(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(separator before, piece) pairs; rejoining them gives `text` back."""
    pieces: list[tuple[str, str]] = []
    separator, start = "", 0
    for match in pattern.finditer(text):
        if match.start() > start:
            pieces.append((separator, text[start : match.start()]))
            separator = match.group()
        else:
            separator += match.group()
        start = match.end()
    pieces.append((separator, text[start:]))
    return [(s, p) for s, p in pieces if p]


def _hard_split(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    current, units = [], 0
    for char in text:
        size = tg_len(char)
        if units + size > limit:
            parts.append("".join(current))
            current, units = [], 0
        current.append(char)
        units += size
    parts.append("".join(current))
    return parts


def render_message(
    message: Message, language: Language, limit: int = TELEGRAM_MAX_CHARS
) -> list[Part]:
    """The message's text in parts, its sources after the text, its buttons under the last part."""
    texts = split_text(telegram_wording(message.text), limit) or [""]
    htmls = [html.escape(t, quote=False) for t in texts]
    lengths = [tg_len(t) for t in texts]
    if message.sources:
        heading = text("sources", language) + ":"
        lines = [(tg_len(heading), f"<b>{html.escape(heading)}</b>")]
        lines += [_source_line(source, limit, language) for source in message.sources]
        for number, (size, line) in enumerate(lines):
            separator = "\n\n" if number == 0 else "\n"
            if lengths[-1] + len(separator) + size <= limit:
                htmls[-1] += separator + line
                lengths[-1] += len(separator) + size
            else:
                htmls.append(line)
                lengths.append(size)
    parts = [Part(h) for h in htmls if h]
    parts[-1].buttons = list(message.buttons)
    return parts


def _source_line(source: Source, limit: int, language: Language) -> tuple[int, str]:
    """(visible length, HTML) of "• title (date)", the title a link when the URL is safe; an
    undated page shows the day it was read ("read 2026-12-06"), in the answer's language."""
    if source.date:
        date = f" ({source.date})"
    elif source.accessed:
        date = f" ({text('source_read', language)} {source.accessed})"
    else:
        date = ""
    title = source.title.strip()
    room = max(2, limit - tg_len("• " + date))
    if tg_len(title) > room:
        title = _hard_split(title, room - 1)[0] + "…"
    shown = html.escape(title, quote=False)
    if source.url and is_safe_url(source.url):
        shown = f'<a href="{html.escape(source.url, quote=True)}">{shown}</a>'
    return tg_len(f"• {title}{date}"), f"• {shown}{html.escape(date, quote=False)}"


def is_safe_url(url: str) -> bool:
    """Only http(s) links with a host: no javascript:, tg:, data: or relative links."""
    if any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)

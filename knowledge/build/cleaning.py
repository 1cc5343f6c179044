"""Removal of web-page debris (related-news blocks, ads, widgets, update stamps) from documents."""

from __future__ import annotations

import re

# A related-news block runs to the end of the page: everything after its heading is other stories.
# Only a short heading line counts, so a sentence that starts "Berita terbaru ..." is kept.
_TRAILING_BLOCK_RE = re.compile(
    r"^[ \t]*(BERITA\s+TERKAIT|BERITA\s+LAINNYA(\s+DI(\s+\w+){1,3})?|BACA\s+JUGA\s*:?|"
    r"RELATED\s+(NEWS|ARTICLES)|ARTIKEL\s+TERKAIT|BERITA\s+TERBARU(\s+UPDATE)?|TERPOPULER)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)

# Whole lines that are widgets or ads, never text.
_DEBRIS_LINE_RE = re.compile(
    r"^\s*(Notification|Notifikasi|Iklan|Advertisement|Ads|\u00d7|x|\u2715|Close|Tutup|Share|Bagikan|"
    r"Berita Terbaru Update|By Admin|Oleh Admin|Loading\.*|Scroll to continue.*|"
    r"Baca juga\s*:.*|Read also\s*:.*)\s*$",
    re.IGNORECASE,
)

_DATELINE_RE = re.compile(
    r"^\s*(Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu),\s*\d{1,2}\s+\w+\s+\d{4}"
    r"(\s*\|\s*\d{1,2}[:.]\d{2}\s*(WIB|WITA|WIT)?)?.*$",
    re.IGNORECASE,
)
_UPDATED_STAMP_RE = re.compile(r"Last Updated\s+\d{4}-\d{2}-\d{2}T[\d:]+Z?", re.IGNORECASE)
_EDITOR_TAG_RE = re.compile(r"\s*\((?:[a-z]{1,6}/[a-z]{1,6}|[a-z]{2,8})\)\s*$")
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def clean_text(text: str) -> str:
    """Cleaned paragraphs joined by blank lines; ads, widgets and related-news blocks removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    block = _TRAILING_BLOCK_RE.search(text)
    if block:
        text = text[: block.start()]
    paragraphs: list[str] = []
    for line in text.split("\n"):
        line = _SPACES_RE.sub(" ", line).strip()
        line = _UPDATED_STAMP_RE.sub("", line).strip()
        if not line or _DEBRIS_LINE_RE.match(line) or _DATELINE_RE.match(line):
            continue
        if paragraphs and paragraphs[-1] == line:
            continue  # pages often repeat their heading
        paragraphs.append(line)
    if paragraphs:
        paragraphs[-1] = _EDITOR_TAG_RE.sub("", paragraphs[-1])
    return "\n\n".join(p for p in paragraphs if p)

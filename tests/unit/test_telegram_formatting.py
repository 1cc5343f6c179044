"""Telegram rendering: parts within Telegram's limit, split where a reader expects, safe HTML."""

from __future__ import annotations

import html
import re

import pytest

from bot.render import Button, Message, Source
from bot.telegram.formatting import (
    TELEGRAM_MAX_CHARS,
    is_safe_url,
    render_message,
    split_text,
    tg_len,
)


def visible(part_html: str) -> str:
    """What Telegram shows of a part: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", part_html))


def words(text: str) -> list[str]:
    return text.split()


def test_short_text_is_one_part() -> None:
    assert split_text("  Halo!  ") == ["Halo!"]


def test_long_text_splits_at_paragraphs_first() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 150 for i in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert tg_len(text) > TELEGRAM_MAX_CHARS
    parts = split_text(text)
    assert len(parts) > 1
    assert all(tg_len(p) <= TELEGRAM_MAX_CHARS for p in parts)
    # Every part is made of whole paragraphs.
    for part in parts:
        assert all(p.startswith("Paragraph ") for p in part.split("\n\n"))
    assert words(" ".join(parts)) == words(text)


def test_a_paragraph_too_long_splits_at_sentence_ends() -> None:
    sentences = [f"Kalimat nomor {i} menjelaskan prosedur visa dengan rinci." for i in range(40)]
    text = " ".join(sentences)
    parts = split_text(text, limit=200)
    assert all(tg_len(p) <= 200 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert words(" ".join(parts)) == words(text)


def test_a_sentence_too_long_splits_between_words_then_anywhere() -> None:
    text = "kata " * 100 + "x" * 250
    parts = split_text(text, limit=100)
    assert all(0 < tg_len(p) <= 100 for p in parts)
    assert all(p.strip() == p for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "🇮🇩" * 3000  # each flag is two astral code points: 4 UTF-16 units
    parts = split_text(text)
    assert all(tg_len(p) <= TELEGRAM_MAX_CHARS for p in parts)
    assert "".join(parts) == text


def test_text_is_escaped_for_html() -> None:
    message = Message('<b>bold</b> & "quotes" <script>alert(1)</script>')
    [part] = render_message(message, "en")
    assert "<script>" not in part.html and "<b>bold" not in part.html
    assert visible(part.html) == message.text


def test_sources_follow_the_text_as_links_and_dates() -> None:
    message = Message(
        "ICDD diadakan pada 16 November 2021.",
        sources=[
            Source("Siaran pers <Kemlu>", "https://kemlu.go.id/a?x=1&y=2", "2021-11-17"),
            Source("Tanpa tautan", None, None),
        ],
    )
    [part] = render_message(message, "id")
    assert '<a href="https://kemlu.go.id/a?x=1&amp;y=2">Siaran pers &lt;Kemlu&gt;</a>' in part.html
    assert visible(part.html).splitlines() == [
        "ICDD diadakan pada 16 November 2021.",
        "",
        "Sumber:",
        "• Siaran pers <Kemlu> (2021-11-17)",
        "• Tanpa tautan",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,hi",
        "tg://resolve?domain=x",
        "/relative/path",
        "https://",
        "https://evil.example/\nx",
    ],
)
def test_unsafe_links_are_shown_as_plain_titles(url: str) -> None:
    [part] = render_message(Message("t", sources=[Source("Judul", url, None)]), "id")
    assert "<a " not in part.html
    assert "Judul" in part.html


def test_quotes_in_a_link_cannot_leave_the_href() -> None:
    source = Source("Judul", 'https://evil.example/"onmouseover="x', None)
    [part] = render_message(Message("t", sources=[source]), "id")
    assert '<a href="https://evil.example/&quot;onmouseover=&quot;x">Judul</a>' in part.html


def test_safe_urls() -> None:
    assert is_safe_url("https://kemlu.go.id/portal/id")
    assert is_safe_url("http://example.org")
    assert not is_safe_url("ftp://example.org")


def test_long_answer_parts_keep_sources_and_buttons_at_the_end() -> None:
    text = "\n\n".join("Paragraf jawaban yang panjang. " * 20 for _ in range(10))
    message = Message(
        text,
        buttons=[Button("Visa", "/ask_visa")],
        sources=[Source("Sumber resmi", "https://kemlu.go.id", "2021-11-17")],
    )
    parts = render_message(message, "id", limit=1000)
    assert len(parts) > 2
    assert all(tg_len(visible(p.html)) <= 1000 for p in parts)
    assert [p.buttons for p in parts[:-1]] == [[]] * (len(parts) - 1)
    assert parts[-1].buttons == [Button("Visa", "/ask_visa")]
    assert "Sumber resmi" in parts[-1].html
    shown = words(" ".join(visible(p.html) for p in parts))
    assert shown[: len(words(text))] == words(text)


def test_sources_move_to_a_part_of_their_own_when_the_text_fills_the_last_one() -> None:
    text = "a" * 199
    parts = render_message(Message(text, sources=[Source("S", None, None)]), "en", limit=200)
    assert [visible(p.html) for p in parts] == [text, "Sources:\n• S"]


def test_a_huge_source_title_is_shortened_to_fit() -> None:
    source = Source("T" * 500, "https://kemlu.go.id", "2021-01-01")
    parts = render_message(Message("x", sources=[source]), "en", limit=200)
    assert all(tg_len(visible(p.html)) <= 200 for p in parts)
    assert visible(parts[-1].html).endswith("… (2021-01-01)")

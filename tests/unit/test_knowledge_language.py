"""detect_language: 'id', 'en' or None, for colloquial, misspelt, mixed and very short messages."""

from __future__ import annotations

import pytest

from knowledge.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("halo", "id"),
        ("hai", "id"),
        ("Selamat pagi", "id"),
        ("makasih ya", "id"),
        ("hello", "en"),
        ("hi", "en"),
        ("Good morning", "en"),
        ("thanks", "en"),
        ("ok", None),
        ("ICDD", None),
        ("", None),
        ("   ", None),
        ("🙂", None),
        ("123", None),
        ("gimana cara perpanjang paspor di luar negeri?", "id"),
        ("gak bisa login safe travel nih", "id"),
        ("paspor aku ilang dong, harus gmn sih", "id"),
        ("nggak ngerti, jelasin lagi aja", "id"),
        ("How do I renew my passport abroad?", "en"),
        ("what is digital diplomacy", "en"),
        # typos
        ("bagaimna caranya daftar peduli wni", "id"),
        ("hw do i regster my pasport", "en"),
        ("whre is the embasy", "en"),
        # code-mixing: the majority wins
        ("Aku mau tanya soal visa fee dong", "id"),
        ("please tell me about visa on arrival, syaratnya apa", "en"),
        ("pakai bahasa Inggris", "id"),
        ("speak English please", "en"),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected

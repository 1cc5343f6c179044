"""Personal data never reaches the console's queue: the redaction of unanswered questions."""

from __future__ import annotations

import pytest

from admin.console.redact import redact

CASES = [
    # Indonesian
    ("Nama saya Budi Santoso, paspor saya hilang di Tokyo",
     "Nama saya [NAME], paspor saya hilang di Tokyo"),
    ("saya bernama Siti Aminah dan saya tinggal di Osaka",
     "saya bernama [NAME] dan saya tinggal di Osaka"),
    ("Nama saya adalah Ahmad Yani", "Nama saya adalah [NAME]"),
    ("email saya budi.s@gmail.com, hp 0812-3456-7890",
     "email saya [EMAIL], hp [PHONE]"),
    ("NIK 3201234567890001 apakah bisa dipakai?", "NIK [NIK] apakah bisa dipakai?"),
    ("NIK saya 3201 2345 6789 0001", "NIK saya [NIK]"),
    ("paspor saya X 1234567 sudah kedaluwarsa", "paspor saya [PASSPORT] sudah kedaluwarsa"),
    ("telepon (021) 3456 7890 tidak aktif", "telepon [PHONE] tidak aktif"),
    # English
    ("My name is John Smith and I lost my passport A1234567",
     "My name is [NAME] and I lost my passport [PASSPORT]"),
    ("my name is maria. How do I renew?", "my name is [NAME]. How do I renew?"),
    ("Call me at +62 21 3456 7890 please", "Call me at [PHONE] please"),
    ("passport number C4567890 expired on 2024-04-01",
     "passport number [PASSPORT] expired on 2024-04-01"),
    ("write to jane.doe+visa@mail.example.co.uk", "write to [EMAIL]"),
    ("I am called Wayan, from Bali", "I am called [NAME], from Bali"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kapan ICDD 2021 diadakan? 16 November 2021",
        "What is the e-VOA fee as of April 2024?",
        "Berapa biaya visa 500000 rupiah?",
        "Is the embassy open on 2026-12-24?",
    ],
)
def test_questions_without_personal_data_stay_as_they_are(text: str) -> None:
    assert redact(text) == text


def test_nothing_of_the_original_survives() -> None:
    secret = ["Budi", "Santoso", "3201234567890001", "A1234567", "budi@x.id", "081234567890"]
    text = (
        "Nama saya Budi Santoso, NIK 3201234567890001, paspor A1234567, "
        "email budi@x.id, hp 081234567890"
    )
    masked = redact(text)
    assert not [s for s in secret if s in masked], masked

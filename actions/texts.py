"""Bilingual texts the actions compose themselves.

Texts a rule or story utters live in domain.yml; these are only said from inside actions, where
Rasa's validator could not see them used. Every entry has "id" and "en" (checked by unit tests).
"""

from __future__ import annotations

HOTLINE = "+62 812 9007 0027"

TEXTS: dict[str, dict[str, str]] = {
    "no_answer": {
        "id": (
            "Maaf, saya belum punya jawaban yang dapat dipercaya untuk pertanyaan itu. "
            f"Silakan hubungi hotline pelindungan WNI Kemlu {HOTLINE} (24 jam; nomor per "
            "Februari 2020, cek di kemlu.go.id) atau KBRI/KJRI terdekat."
        ),
        "en": (
            "Sorry, I don't have a reliable answer to that. Please ask Kemlu's 24-hour "
            f"citizen-protection hotline {HOTLINE} (number as of February 2020, confirm at "
            "kemlu.go.id) or the nearest Indonesian embassy or consulate (KBRI/KJRI)."
        ),
    },
    "didnt_understand": {
        "id": (
            "Maaf, saya kurang paham. Bisa diulang dengan kata lain? Ketik \"menu\" untuk "
            "melihat topik yang bisa saya bantu."
        ),
        "en": "Sorry, I didn't get that. Could you rephrase? Type \"menu\" to see what I can do.",
    },
    "document_extract": {
        "id": "Dari dokumen \"{title}\":\n{extract}",
        "en": "From the document \"{title}\":\n{extract}",
    },
    "document_extract_other_language": {
        "id": "Dari dokumen \"{title}\" (sumbernya berbahasa Inggris):\n{extract}",
        "en": "From the document \"{title}\" (the source is in Indonesian):\n{extract}",
    },
}


def say(key: str, language: str, **values: str) -> str:
    """The text `key` in `language`, with {placeholders} filled from `values`."""
    template = TEXTS[key][language]
    return template.format(**values) if values else template

"""The gateway's own words (errors, apologies) in Indonesian and English, and whose language to use.

Language for these texts, first match wins: the request's `lang`; the language of the message
text (`knowledge.language.detect_language`); the browser's Accept-Language; Indonesian, since
most people who ask Kemlu's services are Indonesian citizens. Answers from the assistant itself
follow Rasa's `language` slot instead.
"""

from __future__ import annotations

from typing import Literal, cast

from knowledge.language import detect_language

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
DEFAULT_LANGUAGE: Language = "id"

_TEXTS: dict[str, dict[Language, str]] = {
    # Request errors (the `code` of a JSON error is the key).
    "unsupported_media_type": {
        "id": "Kirim pesan sebagai JSON (Content-Type: application/json, UTF-8).",
        "en": "Send the message as JSON (Content-Type: application/json, UTF-8).",
    },
    "body_too_large": {
        "id": "Permintaan terlalu besar (paling banyak {max_bytes} byte).",
        "en": "The request is too large (at most {max_bytes} bytes).",
    },
    "empty_body": {
        "id": "Permintaan kosong. Kirim JSON berisi sender dan message.",
        "en": "The request is empty. Send JSON with a sender and a message.",
    },
    "invalid_encoding": {
        "id": "Permintaan harus berupa teks UTF-8 yang valid.",
        "en": "The request must be valid UTF-8 text.",
    },
    "invalid_json": {
        "id": "Permintaan bukan JSON yang valid.",
        "en": "The request is not valid JSON.",
    },
    "invalid_request": {
        "id": 'Permintaan harus berupa objek JSON: {{"sender": ..., "message": ..., "lang": ...}}.',
        "en": 'The request must be a JSON object: {{"sender": ..., "message": ..., "lang": ...}}.',
    },
    "invalid_sender": {
        "id": "sender harus berupa teks 1 sampai {max} karakter: huruf, angka, _ . : -",
        "en": "sender must be text of 1 to {max} characters: letters, digits, _ . : -",
    },
    "invalid_message": {
        "id": "message harus berupa teks.",
        "en": "message must be text.",
    },
    "empty_message": {
        "id": "Pesan Anda kosong. Silakan tulis pertanyaan Anda.",
        "en": "Your message is empty. Please type your question.",
    },
    "message_too_long": {
        "id": "Pesan Anda terlalu panjang (paling banyak {max_chars} karakter). Mohon persingkat.",
        "en": "Your message is too long (at most {max_chars} characters). Please shorten it.",
    },
    "invalid_lang": {
        "id": 'lang dan lang_choice harus "id", "en" atau null.',
        "en": 'lang and lang_choice must be "id", "en" or null.',
    },
    "invalid_mission": {
        "id": "mission harus berupa id perwakilan, misalnya kbri-tokyo.",
        "en": "mission must be a mission id, for example kbri-tokyo.",
    },
    "invalid_vote": {
        "id": 'vote harus "up" (membantu) atau "down" (tidak membantu).',
        "en": 'vote must be "up" (helpful) or "down" (not helpful).',
    },
    "unknown_answer": {
        "id": "Jawaban yang dinilai tidak dikenal (answer_id salah atau sudah terlalu lama).",
        "en": "The rated answer is unknown (a wrong answer_id, or too old).",
    },
    "rating_thanks_up": {
        "id": "Terima kasih atas penilaian Anda!",
        "en": "Thank you for your rating!",
    },
    "rating_thanks_down": {
        "id": "Terima kasih. Tim kami akan meninjau jawaban ini.",
        "en": "Thank you. Our team will review this answer.",
    },
    "origin_not_allowed": {
        "id": "Situs ini tidak diizinkan memakai layanan Duta.",
        "en": "This website is not allowed to use the Duta service.",
    },
    "rate_limited": {
        "id": "Mohon maaf, pesan Anda terlalu banyak. Silakan coba lagi dalam {retry_after} detik.",
        "en": "Sorry, too many messages. Please try again in {retry_after} seconds.",
    },
    "not_found": {
        "id": "Alamat ini tidak ada.",
        "en": "There is nothing at this address.",
    },
    "method_not_allowed": {
        "id": "Metode HTTP ini tidak didukung di alamat ini.",
        "en": "This HTTP method is not supported at this address.",
    },
    "bad_request": {
        "id": "Permintaan ini bukan HTTP yang valid.",
        "en": "This request is not valid HTTP.",
    },
    "request_timeout": {
        "id": "Permintaan terlalu lama dikirim. Silakan kirim lagi.",
        "en": "The request took too long to arrive. Please send it again.",
    },
    "http_error": {
        "id": "Permintaan tidak dapat diproses.",
        "en": "The request could not be processed.",
    },
    "internal_error": {
        "id": "Maaf, terjadi kesalahan pada Duta. Silakan coba lagi nanti.",
        "en": "Sorry, something went wrong in Duta. Please try again later.",
    },
    # Apologies shown as the assistant's message when it cannot answer.
    "upstream_unavailable": {
        "id": "Mohon maaf, Duta sedang tidak dapat dihubungi. Silakan coba lagi beberapa saat "
        "lagi. Untuk keadaan darurat di luar negeri, hubungi KBRI/KJRI terdekat.",
        "en": "Sorry, Duta cannot be reached right now. Please try again in a moment. In an "
        "emergency abroad, contact the nearest Indonesian embassy or consulate.",
    },
    "upstream_timeout": {
        "id": "Mohon maaf, Duta terlalu lama menjawab. Silakan kirim pesan Anda sekali lagi.",
        "en": "Sorry, Duta took too long to answer. Please send your message again.",
    },
    "upstream_error": {
        "id": "Mohon maaf, Duta sedang mengalami gangguan. Silakan coba lagi beberapa saat lagi.",
        "en": "Sorry, Duta has a problem right now. Please try again in a moment.",
    },
    "conversation_restarted": {
        "id": 'Percakapan baru dimulai. Ada yang bisa saya bantu? Ketik "menu" untuk melihat '
        "topik.",
        "en": 'A new conversation has started. How can I help? Type "menu" to see the topics.',
    },
    "no_answer": {
        "id": "Mohon maaf, saya belum dapat menjawab saat ini. Silakan coba lagi sebentar lagi. "
        "Untuk keadaan darurat di luar negeri, hubungi KBRI/KJRI terdekat.",
        "en": "Sorry, I cannot answer right now. Please try again shortly. In an emergency "
        "abroad, contact the nearest Indonesian embassy or consulate.",
    },
}


def text(key: str, language: Language, **params: object) -> str:
    return _TEXTS[key][language].format(**params)


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

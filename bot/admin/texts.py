"""The console's words in Indonesian and English (templates call t('key'))."""

from __future__ import annotations

from bot.admin.sheet_texts import SHEET_TEXTS
from bot.admin.try_texts import TRY_TEXTS
from bot.i18n import DEFAULT_LANGUAGE, Language, as_language, from_accept_language

TEXTS: dict[str, dict[Language, str]] = {
    "title": {"id": "Konsol staf Duta", "en": "Duta staff console"},
    "login": {"id": "Masuk", "en": "Log in"},
    "logout": {"id": "Keluar", "en": "Log out"},
    "name": {"id": "Nama akun", "en": "Account name"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_failed": {
        "id": "Nama akun atau kata sandi salah.",
        "en": "Wrong account name or password.",
    },
    "login_locked": {
        "id": "Terlalu banyak percobaan yang salah. Akun dikunci 15 menit; coba lagi nanti "
        "atau minta administrator mengatur ulang kata sandi.",
        "en": "Too many wrong attempts. The account is locked for 15 minutes; try again later "
        "or ask the administrator to reset the password.",
    },
    "login_expired": {
        "id": "Formulir kedaluwarsa. Silakan coba lagi.",
        "en": "The form expired. Please try again.",
    },
    "signed_in_as": {"id": "Masuk sebagai", "en": "Signed in as"},
    "role_editor": {"id": "editor", "en": "editor"},
    "role_viewer": {"id": "peninjau", "en": "viewer"},
    "nav_unanswered": {"id": "Pertanyaan tak terjawab", "en": "Unanswered questions"},
    "nav_history": {"id": "Riwayat perubahan", "en": "Change history"},
    "unanswered_intro": {
        "id": "Pertanyaan yang tidak bisa dijawab Duta, yang dijawab dengan keyakinan rendah, "
        "atau yang jawabannya dinilai tidak membantu oleh pengguna, dikelompokkan menurut "
        "makna; yang paling sering ditanyakan di atas. Data pribadi sudah disamarkan.",
        "en": "Questions Duta could not answer, answered with low confidence, or whose answer "
        "users rated unhelpful, grouped by meaning, most asked first. Personal data has been "
        "masked.",
    },
    "unanswered_none": {
        "id": "Tidak ada pertanyaan tak terjawab saat ini.",
        "en": "No unanswered questions right now.",
    },
    "asked_times": {"id": "ditanyakan {n} kali", "en": "asked {n} times"},
    "reason_unhelpful": {"id": "dinilai tidak membantu: {n}", "en": "rated unhelpful: {n}"},
    "reason_low_confidence": {
        "id": "dijawab dengan keyakinan rendah: {n}",
        "en": "answered with low confidence: {n}",
    },
    "rated_answers": {
        "id": "Jawaban Duta yang dinilai tidak membantu",
        "en": "Duta's answer that users rated unhelpful",
    },
    "last_asked": {"id": "terakhir", "en": "last"},
    "grouping_exact": {
        "id": "Model bahasa tidak tersedia: pertanyaan dikelompokkan hanya jika sama persis.",
        "en": "The language model is not available: only identical questions are grouped.",
    },
    "answer_this": {"id": "Jawab", "en": "Answer it"},
    "answer_title": {"id": "Tulis jawaban (entri FAQ)", "en": "Write the answer (FAQ entry)"},
    "answer_intro": {
        "id": "Tulis pertanyaan dan jawaban dalam bahasa Indonesia dan Inggris, serta sumbernya. "
        "'Periksa' menjalankan pemeriksaan yang sama dengan impor FAQ; 'Terbitkan' menyimpan "
        "dan membuat Duta menjawabnya dalam setengah menit.",
        "en": "Write the questions and answers in Indonesian and English, and the source. "
        "'Check' runs the same checks as the FAQ import; 'Publish' saves it and Duta answers "
        "it within half a minute.",
    },
    "group_examples": {"id": "Yang ditanyakan pengguna", "en": "What users asked"},
    "f_faq_id": {
        "id": "ID entri (huruf kecil dan tanda hubung, mis. jam-buka-kbri)",
        "en": "Entry id (lower case and dashes, e.g. embassy-opening-hours)",
    },
    "f_questions_id": {
        "id": "Pertanyaan dalam bahasa Indonesia (satu per baris)",
        "en": "Questions in Indonesian (one per line)",
    },
    "f_questions_en": {
        "id": "Pertanyaan dalam bahasa Inggris (satu per baris)",
        "en": "Questions in English (one per line)",
    },
    "f_answer_id": {"id": "Jawaban dalam bahasa Indonesia", "en": "Answer in Indonesian"},
    "f_answer_en": {"id": "Jawaban dalam bahasa Inggris", "en": "Answer in English"},
    "f_source_title": {"id": "Judul sumber", "en": "Source title"},
    "f_source_url": {"id": "Alamat sumber (https://...)", "en": "Source address (https://...)"},
    "f_source_publisher": {"id": "Penerbit sumber", "en": "Source publisher"},
    "f_source_date": {
        "id": "Tanggal terbit sumber (TTTT-BB-HH)",
        "en": "Source publication date (YYYY-MM-DD)",
    },
    "f_source_accessed": {
        "id": "Jika sumber tidak bertanggal: tanggal Anda membacanya (TTTT-BB-HH)",
        "en": "If the source shows no date: the day you read it (YYYY-MM-DD)",
    },
    "f_as_of": {
        "id": "Berlaku per tanggal (TTTT-BB-HH; wajib untuk fakta yang berubah)",
        "en": "True as of (YYYY-MM-DD; required for facts that change)",
    },
    "f_volatile": {
        "id": "Faktanya bisa berubah (biaya, aturan, nomor telepon)",
        "en": "The facts change (fees, rules, phone numbers)",
    },
    "f_tags": {"id": "Label (dipisah koma)", "en": "Tags (comma separated)"},
    "f_allow_similar": {
        "id": "Mirip dengan entri lain, tetapi keduanya memang diperlukan",
        "en": "Similar to another entry, but both are needed",
    },
    "check": {"id": "Periksa", "en": "Check"},
    "publish": {"id": "Terbitkan", "en": "Publish"},
    "check_ok": {
        "id": "Pemeriksaan lolos. Entri siap diterbitkan.",
        "en": "The checks passed. The entry is ready to publish.",
    },
    "check_failed": {
        "id": "Belum bisa disimpan. Perbaiki hal berikut:",
        "en": "Not saved yet. Please fix the following:",
    },
    "warnings": {"id": "Peringatan", "en": "Warnings"},
    "published": {
        "id": "Diterbitkan: {faq_id}. Duta sudah menjawabnya.",
        "en": "Published: {faq_id}. Duta answers it now.",
    },
    "publish_failed": {
        "id": "Entri tersimpan tetapi belum aktif: {error}",
        "en": "The entry is saved but not live yet: {error}",
    },
    "unreached": {
        "id": "Perhatian: pertanyaan berikut masih dijawab oleh alur lain (formulir visa, daftar "
        "acara, dll.), bukan oleh entri ini. Ubah kalimatnya, atau beri tahu tim teknis:",
        "en": "Note: these questions are still answered by another flow (the visa form, the "
        "events list, ...), not by this entry. Rephrase them, or tell the engineers:",
    },
    "viewer_only": {
        "id": "Akun peninjau tidak dapat mengubah jawaban.",
        "en": "A viewer account cannot change answers.",
    },
    "history_intro": {
        "id": "Siapa mengubah apa dan kapan (terbaru di atas).",
        "en": "Who changed what and when (newest first).",
    },
    "when": {"id": "Kapan", "en": "When"},
    "who": {"id": "Siapa", "en": "Who"},
    "what": {"id": "Apa", "en": "What"},
    "nav_faq": {"id": "Daftar FAQ", "en": "FAQ list"},
    "faq_intro": {
        "id": "Semua entri FAQ yang dipakai Duta. Cari dengan kata apa saja dari pertanyaan, "
        "jawaban atau ID.",
        "en": "Every FAQ entry Duta answers with. Search with any words of the questions, "
        "answers or id.",
    },
    "search": {"id": "Cari", "en": "Search"},
    "entries_found": {"id": "{n} entri", "en": "{n} entries"},
    "edit": {"id": "Ubah", "en": "Edit"},
    "edit_title": {"id": "Ubah entri FAQ {faq_id}", "en": "Edit FAQ entry {faq_id}"},
    "retire": {"id": "Hapus dari Duta", "en": "Retire"},
    "retire_intro": {
        "id": "Duta berhenti memakai entri ini. Bisa dibatalkan di Riwayat perubahan.",
        "en": "Duta stops using this entry. It can be undone in the change history.",
    },
    "retired": {"id": "Entri {faq_id} dihapus dari Duta.", "en": "Entry {faq_id} retired."},
    "undo": {"id": "Batalkan", "en": "Undo"},
    "undone": {
        "id": "Perubahan dibatalkan: isi dan indeks kembali seperti sebelumnya ({faq_id}).",
        "en": "Change undone: content and index are back as before ({faq_id}).",
    },
    "undone_already": {"id": "sudah dibatalkan", "en": "undone"},
    "changes_title": {"id": "Perubahan FAQ", "en": "FAQ changes"},
    "activity": {"id": "Aktivitas akun", "en": "Account activity"},
    "languages": {"id": "bahasa", "en": "languages"},
    "channels": {"id": "saluran", "en": "channels"},
    "no_entry": {"id": "Entri tidak ditemukan.", "en": "No such entry."},
    "forbidden": {"id": "Tidak diizinkan.", "en": "Not allowed."},
    "bad_form": {
        "id": "Formulir tidak sah (token keamanan hilang atau kedaluwarsa). Muat ulang halaman.",
        "en": "Invalid form (security token missing or expired). Reload the page.",
    },
}

# The spreadsheet, entry history and versions pages keep their words in their own table.
TEXTS.update(SHEET_TEXTS)
# The test chat's page, paths and reasons (bot/admin/try_chat.py).
TEXTS.update(TRY_TEXTS)


def t(key: str, language: Language, **params: object) -> str:
    return TEXTS[key][language].format(**params)


def page_language(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> Language:
    """?lang= (the switch), then the remembered choice, then the browser's, then Indonesian."""
    return (
        as_language(query_lang)
        or as_language(cookie_lang)
        or from_accept_language(accept)
        or DEFAULT_LANGUAGE
    )

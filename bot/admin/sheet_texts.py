"""The console's words for the spreadsheet, entry history and versions pages (bot/admin/texts.py
adds them to its table)."""

from __future__ import annotations

from bot.i18n import Language

SHEET_TEXTS: dict[str, dict[Language, str]] = {
    "nav_sheet": {"id": "Spreadsheet", "en": "Spreadsheet"},
    "sheet_title": {"id": "FAQ sebagai spreadsheet", "en": "The FAQ as a spreadsheet"},
    "sheet_intro": {
        "id": "Unduh semua entri, ubah di Excel atau LibreOffice, lalu unggah kembali. Baris "
        "yang berubah menggantikan entrinya, baris baru ditambahkan, baris yang sama tidak "
        "mengubah apa pun. Semua masalah dalam berkas ditampilkan sekaligus; tidak ada yang "
        "disimpan sampai semuanya beres.",
        "en": "Download every entry, change it in Excel or LibreOffice, and upload it again. A "
        "changed row replaces its entry, a new row adds one, an unchanged row changes nothing. "
        "Every problem in the file is listed at once; nothing is saved until all are fixed.",
    },
    "sheet_download": {"id": "Unduh", "en": "Download"},
    "sheet_xlsx": {"id": "Excel (.xlsx)", "en": "Excel (.xlsx)"},
    "sheet_csv": {"id": "CSV (UTF-8)", "en": "CSV (UTF-8)"},
    "sheet_download_help": {
        "id": "Satu baris per entri. Beberapa pertanyaan dalam satu sel dipisahkan dengan ' | '. "
        "Tanggal ditulis TTTT-BB-HH (2026-12-01). Jangan ubah kolom id entri yang ada: id baru "
        "berarti entri baru.",
        "en": "One row per entry. Several questions in one cell are separated by ' | '. Dates "
        "are written YYYY-MM-DD (2026-12-01). Keep the id of an existing entry: a new id makes "
        "a new entry.",
    },
    "sheet_upload": {"id": "Unggah spreadsheet", "en": "Upload a spreadsheet"},
    "sheet_upload_help": {
        "id": "Berkas .xlsx atau .csv (UTF-8). 'Periksa' hanya memeriksa; 'Impor dan terbitkan' "
        "menyimpan dan Duta langsung memakainya.",
        "en": "An .xlsx or .csv (UTF-8) file. 'Check' only checks; 'Import and publish' saves "
        "it and Duta answers with it right away.",
    },
    "sheet_file": {"id": "Berkas", "en": "File"},
    "sheet_import": {"id": "Impor dan terbitkan", "en": "Import and publish"},
    "sheet_problems": {
        "id": "{n} masalah; tidak ada yang disimpan. Baris 2 adalah entri pertama.",
        "en": "{n} problem(s); nothing was saved. Row 2 is the first entry.",
    },
    "sheet_checked": {
        "id": "Berkas lolos pemeriksaan: {added} baru, {changed} berubah, {unchanged} sama.",
        "en": "The file passes the checks: {added} new, {changed} changed, {unchanged} unchanged.",
    },
    "sheet_done": {
        "id": "Diimpor: {added} baru, {changed} berubah, {unchanged} sama. Duta sudah memakainya.",
        "en": "Imported: {added} new, {changed} changed, {unchanged} unchanged. Duta answers "
        "with it now.",
    },
    "sheet_no_change": {
        "id": "Tidak ada perubahan: {unchanged} entri sama seperti yang tersimpan.",
        "en": "No change: all {unchanged} entries are as saved.",
    },
    "sheet_added": {"id": "Baru", "en": "New"},
    "sheet_changed": {"id": "Berubah", "en": "Changed"},
    "upload_too_large": {
        "id": "Berkas terlalu besar (paling besar 5 MB).",
        "en": "The file is too large (at most 5 MB).",
    },
    "history": {"id": "Riwayat", "en": "History"},
    "entry_history_title": {"id": "Riwayat entri {faq_id}", "en": "History of entry {faq_id}"},
    "entry_history_intro": {
        "id": "Setiap versi entri ini, terbaru di atas: siapa, kapan, lewat apa. 'Kembalikan' "
        "memasang lagi versi itu (dengan pemeriksaan yang sama seperti perubahan lain).",
        "en": "Every version of this entry, newest first: who, when, and how. 'Revert' puts that "
        "version back (through the same checks as any change).",
    },
    "entry_history_none": {
        "id": "Belum ada perubahan tercatat untuk entri ini.",
        "en": "No change of this entry is recorded yet.",
    },
    "history_added": {"id": "ditambahkan", "en": "added"},
    "history_changed": {"id": "diubah", "en": "changed"},
    "history_retired": {"id": "dihapus dari Duta", "en": "retired"},
    "history_now": {"id": "terbaru", "en": "latest"},
    "history_questions": {"id": "pertanyaan", "en": "questions"},
    "revert_to": {"id": "Kembalikan ke #{seq}", "en": "Revert to #{seq}"},
    "history_before": {"id": "Sebelum #{seq}", "en": "Before #{seq}"},
    "revert_before": {
        "id": "Kembalikan ke versi sebelum #{seq}",
        "en": "Revert to the version before #{seq}",
    },
    "reverted": {
        "id": "Entri {faq_id} dikembalikan; Duta sudah memakainya.",
        "en": "Entry {faq_id} reverted; Duta answers with it now.",
    },
    "versions_title": {"id": "Versi indeks yang disimpan", "en": "Index versions kept"},
    "versions_intro": {
        "id": "Setiap penerbitan membuat versi baru indeks pengetahuan; {n} terakhir disimpan. "
        "Versi yang dipakai sekarang ditandai.",
        "en": "Every publish makes a new version of the knowledge index; the last {n} are kept. "
        "The one serving now is marked.",
    },
    "version_current": {"id": "dipakai sekarang", "en": "serving now"},
}

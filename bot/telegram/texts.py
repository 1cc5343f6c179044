"""The Telegram connector's own words in Indonesian and English.

Words shared with the HTTP API (apologies, rate limit, message too long) stay in `bot.i18n`; these
are the ones only a Telegram user sees: commands, the menu, replies to photos and stickers.
"""

from __future__ import annotations

from bot.i18n import Language

_TEXTS: dict[str, dict[Language, str]] = {
    "welcome": {
        "id": "Halo! Saya Duta, asisten informasi Kementerian Luar Negeri RI: visa, Safe Travel, "
        "paspor dan layanan konsuler, acara diplomasi digital, dan bantuan darurat di luar "
        "negeri. Tulis pertanyaan Anda, atau pilih topik di bawah.\n\n"
        "/menu topik · /lang en English · /reset percakapan baru · /help bantuan",
        "en": "Hello! I'm Duta, the information assistant of Indonesia's Ministry of Foreign "
        "Affairs: visas, Safe Travel, passports and consular services, digital diplomacy events, "
        "and help in emergencies abroad. Type your question, or pick a topic below.\n\n"
        "/menu topics · /lang id Bahasa Indonesia · /reset new conversation · /help help",
    },
    "help": {
        "id": "Cara memakai Duta:\n"
        '• Tulis pertanyaan Anda, misalnya "Bagaimana cara lapor diri di Safe Travel?"\n'
        "• /menu — topik utama\n"
        "• /lang id atau /lang en — bahasa jawaban\n"
        "• /reset — mulai percakapan baru\n"
        "• /forget — hapus percakapan Anda dari server Duta · /privacy — data yang disimpan\n"
        "• /feedback — kirim saran · /about — tentang Duta\n"
        "Saya hanya membaca teks. Dalam grup, sebut @{username} atau balas pesan saya.\n"
        "Dalam keadaan darurat di luar negeri, hubungi KBRI/KJRI terdekat.",
        "en": "How to use Duta:\n"
        '• Type your question, for example "How do I report my trip in Safe Travel?"\n'
        "• /menu — the main topics\n"
        "• /lang en or /lang id — the language of the answers\n"
        "• /reset — start a new conversation\n"
        "• /forget — erase your conversation from Duta's server · /privacy — what is stored\n"
        "• /feedback — send a suggestion · /about — about Duta\n"
        "I read text only. In a group, mention @{username} or reply to my message.\n"
        "In an emergency abroad, contact the nearest Indonesian embassy or consulate.",
    },
    "rating_expired": {
        "id": "Jawaban ini sudah tidak dapat dinilai lagi.",
        "en": "This answer can no longer be rated.",
    },
    "lang_usage": {
        "id": "Pilih bahasa jawaban: /lang id (Bahasa Indonesia) atau /lang en (English).",
        "en": "Choose the language of the answers: /lang en (English) or /lang id "
        "(Bahasa Indonesia).",
    },
    "reset_done": {
        "id": "Percakapan baru dimulai; yang tadi tidak lagi saya pakai. Ada yang bisa saya bantu?",
        "en": "A new conversation has started; I no longer use the previous one. How can I help?",
    },
    "text_only": {
        "id": "Maaf, saya hanya bisa membaca pesan teks. Silakan ketik pertanyaan Anda, misalnya "
        '"Bagaimana cara perpanjang paspor di luar negeri?"',
        "en": "Sorry, I can read text only. Please type your question, for example "
        '"How do I renew my passport abroad?"',
    },
    "location": {
        "id": "Maaf, saya belum bisa membaca lokasi. Untuk mencari KBRI/KJRI terdekat, tulis nama "
        "kota atau negara tempat Anda berada.",
        "en": "Sorry, I cannot read locations yet. To find the nearest Indonesian embassy or "
        "consulate, type the name of the city or country you are in.",
    },
    "forget_confirm": {
        "id": "Hapus seluruh percakapan Anda dengan Duta dari server kami? Ini tidak dapat "
        "dibatalkan. (Pesan di aplikasi Telegram Anda sendiri tetap ada.)",
        "en": "Erase your whole conversation with Duta from our server? This cannot be undone. "
        "(The messages in your own Telegram app stay.)",
    },
    "forget_yes": {"id": "Ya, hapus", "en": "Yes, erase it"},
    "forget_no": {"id": "Tidak", "en": "No"},
    "forget_done": {
        "id": "Percakapan Anda sudah dihapus dari server Duta. Pesan berikutnya memulai "
        "percakapan baru.",
        "en": "Your conversation has been erased from Duta's server. Your next message starts a "
        "new one.",
    },
    "forget_kept": {
        "id": "Baik, percakapan Anda tidak dihapus.",
        "en": "All right, your conversation was not erased.",
    },
    "button_expired": {
        "id": "Tombol itu sudah tidak berlaku. Berikut topik yang bisa saya bantu:",
        "en": "That button has expired. Here are the topics I can help with:",
    },
    "unknown_command": {
        "id": "Perintah itu tidak saya kenal.",
        "en": "I don't know that command.",
    },
    "about": {
        "id": "Duta adalah asisten informasi Kementerian Luar Negeri RI (Kemlu) tentang visa, "
        "aplikasi Safe Travel, paspor dan layanan konsuler, serta diplomasi digital. Jawaban "
        "saya berasal dari FAQ dan dokumen Kemlu serta sumber resmi lain, selalu dengan sumber "
        "dan tanggalnya; aturan bisa berubah, jadi pastikan di situs resmi yang saya sebut. Saya "
        "bukan petugas: untuk urusan resmi dan keadaan darurat, hubungi KBRI/KJRI terdekat.",
        "en": "Duta is the information assistant of Indonesia's Ministry of Foreign Affairs "
        "(Kemlu) for visas, the Safe Travel app, passports and consular services, and digital "
        "diplomacy. My answers come from Kemlu's FAQs and documents and other official sources, "
        "always with their source and date; rules can change, so check the official site I "
        "name. I am not an officer: for official matters and emergencies, contact the nearest "
        "Indonesian embassy or consulate.",
    },
    "privacy": {
        "id": "Yang saya simpan: pesan Anda dan jawaban saya dalam percakapan ini, di server "
        "Duta, agar saya bisa mengikuti percakapan. Percakapan dihapus otomatis setelah "
        "{days} hari tanpa pesan baru. Kirim /forget untuk menghapusnya sekarang. Log server "
        "tidak memuat isi pesan Anda, dan tidak ada yang dibagikan ke pihak lain.",
        "en": "What I keep: your messages and my answers in this conversation, on Duta's "
        "server, so I can follow the conversation. A conversation is erased automatically after "
        "{days} days without a new message. Send /forget to erase it now. Server logs hold no "
        "message text, and nothing is shared with anyone else.",
    },
    "privacy_no_retention": {
        "id": "Yang saya simpan: pesan Anda dan jawaban saya dalam percakapan ini, di server "
        "Duta, agar saya bisa mengikuti percakapan. Kirim /forget untuk menghapusnya. Log server "
        "tidak memuat isi pesan Anda, dan tidak ada yang dibagikan ke pihak lain.",
        "en": "What I keep: your messages and my answers in this conversation, on Duta's "
        "server, so I can follow the conversation. Send /forget to erase it. Server logs hold no "
        "message text, and nothing is shared with anyone else.",
    },
    "feedback_usage": {
        "id": "Tulis saran atau keluhan Anda setelah perintahnya, misalnya:\n"
        "/feedback Jawaban tentang e-VOA kurang jelas",
        "en": "Write your suggestion or complaint after the command, for example:\n"
        "/feedback The answer about the e-VOA was unclear",
    },
    "feedback_thanks": {
        "id": "Terima kasih! Masukan Anda sudah kami catat dan akan dibaca tim Duta.",
        "en": "Thank you! Your feedback has been recorded for the Duta team to read.",
    },
    "sources": {"id": "Sumber", "en": "Sources"},
    "source_read": {"id": "dibaca", "en": "read"},
    "command_start": {"id": "Mulai dan lihat topik", "en": "Start and see the topics"},
    "command_menu": {"id": "Topik utama", "en": "Main topics"},
    "command_lang": {
        "id": "Bahasa: /lang id atau /lang en",
        "en": "Language: /lang en or /lang id",
    },
    "command_reset": {"id": "Mulai percakapan baru", "en": "Start a new conversation"},
    "command_forget": {"id": "Hapus percakapan saya", "en": "Erase my conversation"},
    "command_privacy": {"id": "Data apa yang disimpan", "en": "What is stored about me"},
    "command_feedback": {"id": "Kirim saran atau keluhan", "en": "Send a suggestion or complaint"},
    "command_about": {"id": "Tentang Duta", "en": "About Duta"},
    "command_help": {"id": "Cara memakai Duta", "en": "How to use Duta"},
}

LANGUAGE_NAMES: dict[Language, str] = {"id": "Bahasa Indonesia", "en": "English"}


def tg_text(key: str, language: Language, **params: object) -> str:
    return _TEXTS[key][language].format(**params)

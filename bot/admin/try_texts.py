"""The console's words for the test chat (bot/admin/texts.py adds them to its table): the page,
and the path and reasons it shows beside each reply, written for staff who are not programmers."""

from __future__ import annotations

from bot.i18n import Language

TRY_TEXTS: dict[str, dict[Language, str]] = {
    "nav_try": {"id": "Coba obrolan", "en": "Test chat"},
    "try_it": {"id": "Coba", "en": "Try it"},
    "try_intro": {
        "id": "Ketik pertanyaan seperti pengguna. Duta menjawab persis seperti di widget, dalam "
        "percakapan uji yang dihapus saat Anda memulai obrolan baru atau keluar. Di samping "
        "jawaban terlihat jalurnya (entri FAQ, dokumen, atau alur seperti formulir visa) dan "
        "alasannya. Setiap pertanyaan melanjutkan percakapan yang sama, seperti bagi pengguna: "
        "untuk pertanyaan yang harus berdiri sendiri, mulai obrolan uji baru dulu. Uji ini "
        "tidak masuk antrean pertanyaan tak terjawab maupun penilaian.",
        "en": "Type a question as a user would. Duta answers exactly as in the widget, in a test "
        "conversation that is erased when you start a new test chat or log out. Beside the "
        "answer you see its path (a FAQ entry, a document, or a flow such as the visa form) "
        "and why. Each question continues the same conversation, as it would for a user: "
        "start a new test chat first for a question that should stand alone. Tests are not "
        "recorded in the unanswered queue or the ratings.",
    },
    "try_question": {"id": "Pertanyaan", "en": "Question"},
    "try_language": {"id": "Bahasa", "en": "Language"},
    "try_language_auto": {
        "id": "otomatis (bahasa pesannya)",
        "en": "automatic (the message's own)",
    },
    "try_language_id": {"id": "Indonesia", "en": "Indonesian"},
    "try_language_en": {"id": "Inggris", "en": "English"},
    "try_language_help": {
        "id": "Seperti pilihan bahasa di widget: Duta menjawab dalam bahasa pesan itu sendiri, "
        "dan memakai pilihan ini bila pesannya tidak jelas berbahasa apa (mis. 'ok').",
        "en": "Like the widget's language: Duta answers in the language of the message itself, "
        "and uses this one when the message does not tell (e.g. 'ok').",
    },
    "try_send": {"id": "Kirim", "en": "Send"},
    "try_new": {"id": "Obrolan uji baru", "en": "New test chat"},
    "try_empty": {
        "id": "Belum ada pertanyaan dalam obrolan uji ini.",
        "en": "No question in this test chat yet.",
    },
    "try_you": {"id": "Anda", "en": "You"},
    "try_duta": {"id": "Duta", "en": "Duta"},
    "try_path": {"id": "Jalur", "en": "Path"},
    "try_why": {"id": "Mengapa", "en": "Why"},
    "try_read": {"id": "dibaca {date}", "en": "read {date}"},
    "try_no_date": {"id": "tanpa tanggal", "en": "no date"},
    "try_see_entry": {"id": "Lihat entri ini", "en": "See this entry"},
    "try_error_upstream": {
        "id": "Duta tidak dapat dihubungi saat ini (Rasa atau server aksi tidak menjawab). "
        "Coba lagi sebentar lagi.",
        "en": "Duta cannot be reached right now (Rasa or the action server did not answer). "
        "Try again in a moment.",
    },
    "try_error_empty": {"id": "Ketik sebuah pertanyaan.", "en": "Type a question."},
    "try_error_long": {
        "id": "Pertanyaan terlalu panjang (paling banyak {n} karakter).",
        "en": "The question is too long (at most {n} characters).",
    },
    "try_error_busy": {
        "id": "Terlalu banyak pesan dalam semenit. Tunggu {n} detik.",
        "en": "Too many messages in a minute. Wait {n} seconds.",
    },
    "try_earlier": {
        "id": "{n} giliran sebelumnya tidak ditampilkan lagi.",
        "en": "{n} earlier turns are no longer shown.",
    },
    # --- the path ---------------------------------------------------------------------------
    "path_entry": {"id": "Entri FAQ {record}", "en": "FAQ entry {record}"},
    "path_document": {"id": "Dokumen “{title}”", "en": "Document “{title}”"},
    "path_flow": {"id": "Alur: {flow}", "en": "Flow: {flow}"},
    "path_fallback": {"id": "Tidak terjawab (fallback)", "en": "No answer (fallback)"},
    "flow_visa_form": {"id": "formulir visa", "en": "the visa form"},
    "flow_events": {"id": "daftar acara", "en": "the events list"},
    "flow_handoff": {
        "id": "handoff (ke mana menghubungi petugas)",
        "en": "the handoff (where to reach a person)",
    },
    "flow_emergency": {"id": "darurat", "en": "emergency"},
    "flow_mission_card": {
        "id": "kartu perwakilan RI (KBRI/KJRI)",
        "en": "the card of an Indonesian mission (embassy or consulate)",
    },
    "flow_menu": {"id": "menu", "en": "the menu"},
    "flow_correction": {"id": "koreksi jawaban visa", "en": "correcting the visa answer"},
    "flow_fixed_reply": {"id": "balasan tetap ({what})", "en": "a fixed reply ({what})"},
    "flow_not_understood": {"id": "tidak dipahami", "en": "not understood"},
    "flow_no_reply": {"id": "tanpa balasan", "en": "no reply"},
    "flow_other": {"id": "langkah {what}", "en": "step {what}"},
    "reply_utter_greet": {"id": "salam", "en": "greeting"},
    "reply_utter_goodbye": {"id": "salam penutup", "en": "goodbye"},
    "reply_utter_youre_welcome": {"id": "sama-sama", "en": "you're welcome"},
    "reply_utter_iamabot": {"id": "saya asisten otomatis", "en": "I am an assistant"},
    "reply_utter_language_changed": {"id": "ganti bahasa", "en": "language changed"},
    "reply_utter_no_problem": {"id": "tidak apa-apa", "en": "no problem"},
    "reply_utter_visa_cancelled": {"id": "formulir visa dibatalkan", "en": "visa form cancelled"},
    # --- what the NLU recognised ------------------------------------------------------------
    "intent_greet": {"id": "salam", "en": "a greeting"},
    "intent_goodbye": {"id": "salam penutup", "en": "a goodbye"},
    "intent_thanks": {"id": "ucapan terima kasih", "en": "thanks"},
    "intent_help": {"id": "permintaan menu/bantuan", "en": "a request for the menu or help"},
    "intent_bot_challenge": {
        "id": "pertanyaan apakah ini mesin",
        "en": "asking whether this is a bot",
    },
    "intent_change_language": {
        "id": "permintaan ganti bahasa",
        "en": "a request to switch language",
    },
    "intent_affirm": {"id": "jawaban 'ya'", "en": "a 'yes'"},
    "intent_deny": {"id": "jawaban 'tidak'", "en": "a 'no'"},
    "intent_cancel": {"id": "permintaan membatalkan", "en": "a request to cancel"},
    "intent_inform": {
        "id": "jawaban atas pertanyaan formulir",
        "en": "an answer to a form's question",
    },
    "intent_ask_question": {"id": "pertanyaan umum", "en": "a general question"},
    "intent_ask_visa": {"id": "pertanyaan visa", "en": "a visa question"},
    "intent_ask_safe_travel": {
        "id": "pertanyaan tentang Safe Travel",
        "en": "a question about Safe Travel",
    },
    "intent_ask_passport": {"id": "pertanyaan paspor", "en": "a passport question"},
    "intent_ask_events": {"id": "pertanyaan tentang acara", "en": "a question about events"},
    "intent_emergency": {"id": "keadaan darurat", "en": "an emergency"},
    "intent_ask_mission": {
        "id": "pertanyaan tentang KBRI/KJRI",
        "en": "a question about an embassy or consulate",
    },
    "intent_human_handoff": {
        "id": "permintaan berbicara dengan petugas",
        "en": "a request to talk to a person",
    },
    "intent_out_of_scope": {"id": "di luar topik Duta", "en": "outside Duta's topics"},
    "intent_correct": {"id": "koreksi", "en": "a correction"},
    # --- why ----------------------------------------------------------------------------------
    "why_intent": {
        "id": "Pertanyaan dikenali sebagai {intent} ({pct} %).",
        "en": "The question was recognised as {intent} ({pct} %).",
    },
    "why_intent_unclear": {
        "id": "Pertanyaan tidak dikenali dengan jelas (tebakan terbaik: {intent}, {pct} %, di "
        "bawah batas pengenalan), jadi pencarian pengetahuan Duta yang mencobanya.",
        "en": "The question was not recognised clearly (best guess: {intent}, {pct} %, below "
        "the recognition bar), so Duta's knowledge search tried it.",
    },
    "why_button": {
        "id": "Pesan ini adalah tombol: ia langsung mengirim {intent}.",
        "en": "The message was a button: it sends {intent} directly.",
    },
    "why_score": {
        "id": "Pencarian pengetahuan mencocokkannya dengan skor {score}; Duta menjawab mulai "
        "dari {bar} (batas jawaban).",
        "en": "The knowledge search matched it with a score of {score}; Duta answers from "
        "{bar} (the answer bar).",
    },
    "why_score_out_of_scope": {
        "id": "Pesan di luar topik Duta dijawab hanya bila pencarian pengetahuan yakin; di sini "
        "yakin (skor {score}, batas {bar}).",
        "en": "A message outside Duta's topics is answered only when the knowledge search is "
        "sure; here it was (score {score}, bar {bar}).",
    },
    "why_low_confidence": {
        "id": "Di bawah {low} jawaban dianggap berkeyakinan rendah: untuk pengguna, "
        "pertanyaannya juga masuk antrean untuk ditinjau.",
        "en": "Below {low} an answer counts as low confidence: for a user, the question would "
        "also join the queue for review.",
    },
    "why_entry_beats_flow": {
        "id": "Sebuah entri FAQ menjawab pertanyaan itu sendiri dengan jelas, jadi Duta "
        "memberikannya, bukan {flow}: entri selalu didahulukan dari alur bila menjawab dengan "
        "jelas.",
        "en": "A FAQ entry answered the question itself clearly, so Duta gave it instead of "
        "{flow}: an entry comes before a flow when it answers clearly.",
    },
    "why_document_beats_flow": {
        "id": "Pencarian pengetahuan menjawabnya, jadi Duta memberikan jawaban itu, bukan {flow}.",
        "en": "The knowledge search answered it, so Duta gave that answer instead of {flow}.",
    },
    "why_flow_no_entry": {
        "id": "{flow} menjawab karena tidak ada entri FAQ yang menjawab pertanyaan ini dengan "
        "jelas.",
        "en": "{flow} answered because no FAQ entry answered this question clearly.",
    },
    "why_events": {
        "id": "Pertanyaan tentang acara yang menyebut nama acara, tahun, atau 'acara berikutnya' "
        "dijawab dengan daftar acara; pertanyaan acara lainnya hanya bila tidak ada entri FAQ "
        "yang menjawabnya dengan jelas.",
        "en": "A question about events that names an event, a year or 'what is next' gets the "
        "events list; other event questions get it when no FAQ entry answers them clearly.",
    },
    "why_follow_up_help": {
        "id": "Pesan ini dianggap permintaan menu, tetapi pendek dan menyusul pertanyaan "
        "sebelumnya: dibaca bersama pertanyaan itu, pencarian pengetahuan menemukan jawaban "
        "yang belum diberikan dalam percakapan ini.",
        "en": "The message was taken for a request for the menu, but it is short and follows an "
        "earlier question: read together with that question, the knowledge search found an "
        "answer the conversation had not had yet.",
    },
    "why_context": {
        "id": "Pesan pendek juga dibaca bersama pertanyaan terakhir pengguna, dan jawaban yang "
        "paling yakin yang dipakai: pertanyaan sebelumnya dalam obrolan uji ini mungkin ikut "
        "menentukan (Obrolan uji baru menanyakannya tersendiri).",
        "en": "A short message is also read together with the user's last questions, and the "
        "surest answer wins: earlier questions of this test chat may have counted (a new test "
        "chat asks it alone).",
    },
    "why_visa_asks": {
        "id": "Formulir visa menanyakan dulu hal yang perlu diketahuinya ({slot}) sebelum "
        "menjawab.",
        "en": "The visa form first asks what it needs to know ({slot}) before answering.",
    },
    "why_visa_answer": {
        "id": "Formulir visa sudah mendapat semua yang diperlukan dan memberi jawaban untuk "
        "kasus itu, dari entri visa yang dikutipnya.",
        "en": "The visa form had everything it needed and gave the answer for that case, from "
        "the visa entries it quotes.",
    },
    "slot_visa_direction": {
        "id": "WNA ke Indonesia atau WNI ke luar negeri",
        "en": "a foreigner coming to Indonesia or an Indonesian going abroad",
    },
    "slot_visa_purpose": {"id": "tujuan kunjungan", "en": "the purpose of the visit"},
    "slot_visa_nationality": {"id": "kewarganegaraan", "en": "the nationality"},
    "why_flow_nothing": {
        "id": "Alur ini tidak punya data untuk pertanyaan itu (dihitung tidak terjawab).",
        "en": "This flow had nothing on record for the question (counted as no answer).",
    },
    "why_emergency": {
        "id": "Keadaan darurat selalu mendapat langkah yang harus dilakukan dan kontak "
        "perwakilan terdekat lebih dulu; FAQ tidak dicari.",
        "en": "An emergency always gets what to do now and the nearest mission's contacts "
        "first; the FAQ is not searched.",
    },
    "why_mission_card": {
        "id": "Pertanyaan tentang perwakilan yang melayani suatu tempat dijawab dengan kartu "
        "perwakilan itu dari direktori perwakilan.",
        "en": "A question about which mission serves a place gets that mission's card from the "
        "mission directory.",
    },
    "why_fixed_reply": {
        "id": "Salam, terima kasih, menu dan sejenisnya mendapat balasan tetap Duta; FAQ tidak "
        "dicari.",
        "en": "Greetings, thanks, the menu and the like get Duta's fixed replies; the FAQ is "
        "not searched.",
    },
    "why_correction": {
        "id": "Duta menjawab ulang kasus visa terakhir dengan data yang dikoreksi.",
        "en": "Duta answered the last visa case again with the corrected detail.",
    },
    "why_no_match": {
        "id": "Tidak ada entri FAQ atau dokumen yang cukup cocok (Duta menjawab mulai dari skor "
        "{bar}), jadi Duta mengatakan tidak tahu dan ke mana bertanya.",
        "en": "No FAQ entry or document matched well enough (Duta answers from a score of "
        "{bar}), so Duta said it does not know and where to ask.",
    },
    "why_out_of_scope": {
        "id": "Pesan di luar topik Duta dijawab hanya bila pencarian pengetahuan yakin (batas "
        "{bar}); di sini tidak, jadi Duta menyebutkan apa yang bisa dibantunya.",
        "en": "A message outside Duta's topics is answered only when the knowledge search is "
        "sure (bar {bar}); it was not, so Duta said what it can help with.",
    },
    "why_nearby": {
        "id": "Entri terdekat ditawarkan sebagai tombol.",
        "en": "The nearest entries are offered as buttons.",
    },
    "why_card_follows": {
        "id": "Pesan menyebut suatu tempat, jadi kartu perwakilan yang melayaninya menyusul.",
        "en": "The message names a place, so the card of the mission serving it follows.",
    },
    "why_not_understood": {
        "id": "Tidak ada aturan Duta yang cocok untuk giliran ini, jadi Duta mengatakan tidak "
        "memahaminya.",
        "en": "None of Duta's rules fits this turn, so it said it did not understand.",
    },
    "why_no_reply": {
        "id": "Duta tidak menghasilkan balasan: sebuah langkah gagal (apakah server aksi "
        "berjalan?).",
        "en": "Duta produced no reply: a step failed (is the action server running?).",
    },
    "why_form_put_aside": {
        "id": "Formulir visa yang sedang terbuka disisihkan; Duta menawarkan untuk melanjutkannya.",
        "en": "The visa form that was open was put aside; Duta offers to pick it up again.",
    },
    "why_queued": {
        "id": "Untuk pengguna, pertanyaan ini masuk antrean pertanyaan tak terjawab; uji ini "
        "tidak dicatat.",
        "en": "For a user, this question would join the unanswered queue; this test is not "
        "recorded.",
    },
}

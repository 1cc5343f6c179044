"""Bilingual texts the actions compose themselves.

Texts a rule or story utters live in domain.yml; these are only said from inside actions, where
Rasa's validator could not see them used. Every entry has "id" and "en" (checked by unit tests).
"""

from __future__ import annotations

HOTLINE = "+62 812 9007 0027"

TEXTS: dict[str, dict[str, str]] = {
    "out_of_scope": {
        "id": (
            "Maaf, itu di luar yang bisa saya bantu. Saya menjawab pertanyaan tentang diplomasi "
            "digital Indonesia dan layanan Kemlu untuk warga: visa, Safe Travel, paspor, acara, "
            'dan keadaan darurat. Ketik "menu" untuk melihat topik.'
        ),
        "en": (
            "Sorry, that's outside what I can help with. I answer questions about Indonesia's "
            "digital diplomacy and Kemlu's citizen services: visas, Safe Travel, passports, "
            'events and emergencies. Type "menu" to see the topics.'
        ),
    },
    "no_answer_nearby": {
        "id": "Yang saya ketahui dan mungkin dekat dengan pertanyaan Anda:",
        "en": "What I do know that may be close to your question:",
    },
    "no_answer": {
        "id": (
            "Maaf, saya belum punya jawaban yang dapat dipercaya untuk pertanyaan itu. "
            f"Silakan hubungi hotline pelindungan WNI Kemlu {HOTLINE} (24 jam; nomor per "
            "Februari 2020, konfirmasikan di kemlu.go.id) atau KBRI/KJRI terdekat."
        ),
        "en": (
            "Sorry, I don't have a reliable answer to that. Please ask Kemlu's 24-hour "
            f"citizen-protection hotline {HOTLINE} (number as of February 2020, confirm at "
            "kemlu.go.id) or the nearest Indonesian embassy or consulate (KBRI/KJRI)."
        ),
    },
    "didnt_understand": {
        "id": (
            'Maaf, saya kurang paham. Bisa diulang dengan kata lain? Ketik "menu" untuk '
            "melihat topik yang bisa saya bantu."
        ),
        "en": 'Sorry, I didn\'t get that. Could you rephrase? Type "menu" to see what I can do.',
    },
    "document_extract": {
        "id": 'Dari dokumen "{title}":\n{extract}',
        "en": 'From the document "{title}":\n{extract}',
    },
    "document_extract_translated": {
        "id": 'Dari dokumen "{title}" (terjemahan kami dari sumber berbahasa Inggris):\n{extract}',
        "en": 'From the document "{title}" (our translation of the Indonesian source):\n{extract}',
    },
    "document_extract_other_language": {
        "id": 'Dari dokumen "{title}" (sumbernya berbahasa Inggris):\n{extract}',
        "en": 'From the document "{title}" (the source is in Indonesian):\n{extract}',
    },
    # Follow-up buttons after a Safe Travel or passport answer.
    "button_register_trip": {"id": "Lapor diri perjalanan", "en": "Report a trip"},
    "button_panic_button": {"id": "Tombol darurat", "en": "Emergency button"},
    "button_peduli_wni": {"id": "Tinggal di luar negeri", "en": "Living abroad"},
    "button_lost_passport": {"id": "Paspor hilang", "en": "Lost passport"},
    # Under every question of the visa form.
    "button_cancel_form": {"id": "Batal", "en": "Cancel"},
    # Visa form: questions and button titles.
    "ask_visa_direction": {
        "id": (
            "Baik, soal visa. Anda warga negara asing yang mau berkunjung ke Indonesia, atau "
            'WNI yang mau ke luar negeri? (Ketik "batal" untuk berhenti.)'
        ),
        "en": (
            "Sure, visas. Are you a foreign national visiting Indonesia, or an Indonesian going "
            'abroad? (Type "cancel" to stop.)'
        ),
    },
    "ask_visa_purpose": {
        "id": "Apa tujuan kunjungannya?",
        "en": "What is the purpose of the visit?",
    },
    "ask_visa_nationality": {
        "id": "Apa kewarganegaraan pengunjungnya? Sebutkan negaranya, atau pilih:",
        "en": "What is the visitor's nationality? Name the country, or choose:",
    },
    "visa_direction_to_indonesia": {
        "id": "WNA, mau ke Indonesia",
        "en": "Foreigner visiting Indonesia",
    },
    "visa_direction_abroad": {"id": "WNI, mau ke luar negeri", "en": "Indonesian going abroad"},
    "visa_purpose_tourism": {"id": "Wisata", "en": "Tourism"},
    "visa_purpose_business": {"id": "Bisnis", "en": "Business"},
    "visa_purpose_other": {"id": "Lainnya (kerja, studi, ...)", "en": "Other (work, study, ...)"},
    "visa_nationality_asean": {"id": "Negara ASEAN", "en": "An ASEAN country"},
    "visa_nationality_other": {"id": "Bukan ASEAN", "en": "Not ASEAN"},
    "visa_not_understood": {
        "id": "Maaf, jawaban itu belum bisa saya tangkap. Silakan pilih salah satu tombol.",
        "en": "Sorry, I couldn't read that answer. Please pick one of the buttons.",
    },
    "visa_intro_tourism_asean": {
        "id": "Untuk kunjungan wisata ke Indonesia oleh warga negara ASEAN:",
        "en": "For a tourist visit to Indonesia by a national of an ASEAN country:",
    },
    "visa_intro_tourism_other": {
        "id": "Untuk kunjungan wisata ke Indonesia oleh warga negara di luar ASEAN:",
        "en": "For a tourist visit to Indonesia by a national of a non-ASEAN country:",
    },
    "visa_other_purpose": {
        "id": (
            "Untuk kunjungan bisnis, kerja, studi, atau tujuan lain selain wisata, jenis visa "
            "dan syaratnya bergantung pada kegiatan dan kewarganegaraan Anda; saya tidak punya "
            "data tertanggal yang bisa dipercaya untuk itu. Cek langsung di situs resmi, atau "
            "tanyakan ke Kedutaan Besar RI di negara Anda."
        ),
        "en": (
            "For business, work, study or any purpose other than tourism, the visa type and "
            "its conditions depend on the activity and your nationality, and I have no reliable "
            "dated information on them. Please check the official site, or ask the Indonesian "
            "embassy in your country."
        ),
    },
    # Events (actions/events.py).
    "label_date": {"id": "Tanggal", "en": "Date"},
    "label_place": {"id": "Tempat", "en": "Place"},
    "label_organisers": {"id": "Penyelenggara", "en": "Organisers"},
    "label_speakers": {"id": "Pembicara", "en": "Speakers"},
    "label_outcome": {"id": "Hasil", "en": "Outcome"},
    "date_unknown": {"id": "tanggal tidak diketahui", "en": "date unknown"},
    "events_list": {
        "id": "Acara diplomasi digital yang saya ketahui (pilih untuk detailnya):",
        "en": "The digital diplomacy events I know of (pick one for details):",
    },
    "events_in_year": {
        "id": "Acara diplomasi digital pada {year}:",
        "en": "Digital diplomacy events in {year}:",
    },
    "events_none_in_year": {
        "id": "Saya tidak punya catatan acara diplomasi digital pada {year}. Yang saya ketahui:",
        "en": "I have no record of a digital diplomacy event in {year}. These are the ones I know:",
    },
    "events_upcoming": {
        "id": "Acara mendatang yang sudah diumumkan:",
        "en": "Upcoming events that have been announced:",
    },
    "events_none_upcoming": {
        "id": (
            "Saya belum punya informasi tentang acara yang akan datang. Acara terakhir yang "
            "tercatat adalah {name}, {date}. Untuk jadwal terbaru, pantau kemlu.go.id dan "
            "media sosial resmi Kemlu."
        ),
        "en": (
            "I have no information about upcoming events. The latest event on record is {name}, "
            "{date}. For current schedules, follow kemlu.go.id and Kemlu's official social media."
        ),
    },
    # The card of the mission serving the place the user named (actions/missions.py).
    "mission_heading": {
        "id": "Perwakilan RI terdekat untuk {place}: {name} ({city}).",
        "en": "The Indonesian mission for {place}: {name} ({city}).",
    },
    "mission_heading_home": {
        "id": "Perwakilan RI Anda: {name} ({city}).",
        "en": "Your Indonesian mission: {name} ({city}).",
    },
    "mission_heading_accredited": {
        "id": "Tidak ada perwakilan RI di {place}; yang melayani adalah {name} ({city}).",
        "en": "There is no Indonesian mission in {place}; it is served by {name} ({city}).",
    },
    # Indonesia has no relations with the place: not accredited, but looks after Indonesians there.
    "mission_heading_looks_after": {
        "id": "Indonesia tidak punya perwakilan di {place} dan tidak ada yang diakreditasikan ke "
        "sana; WNI di {place} dilayani oleh {name} ({city}).",
        "en": "Indonesia has no mission in {place} and none accredited to it; Indonesians there "
        "are looked after by {name} ({city}).",
    },
    # The territory rule: no source names a mission for the territory; its sovereign's mission.
    "mission_heading_sovereign": {
        "id": "Tidak ada sumber yang menyebut perwakilan RI untuk {place}, wilayah {sovereign}; "
        "perwakilan RI yang bertanggung jawab atas {sovereign} adalah {name} ({city}).",
        "en": "No source names an Indonesian mission for {place}, a territory of {sovereign}; the "
        "Indonesian mission responsible for {sovereign} is {name} ({city}).",
    },
    # A place the directory documents as served by no mission (`no_mission:`).
    "mission_none": {
        "id": "Tidak ada perwakilan RI yang tercatat untuk {place}. {why} Dalam keadaan darurat, "
        "hubungi hotline Kemlu +62 812 9007 0027 (nomor per Februari 2020).",
        "en": "I have no Indonesian mission on record for {place}. {why} In an emergency, call "
        "Kemlu's hotline +62 812 9007 0027 (number as of February 2020).",
    },
    "mission_address": {"id": "Alamat: {value}", "en": "Address: {value}"},
    "mission_phone": {"id": "Telepon: {value}", "en": "Phone: {value}"},
    "mission_hotline": {"id": "Hotline: {value}", "en": "Hotline: {value}"},
    "mission_email": {"id": "E-mail: {value}", "en": "E-mail: {value}"},
    "mission_hours": {"id": "Jam layanan: {value}", "en": "Opening hours: {value}"},
    "mission_website": {"id": "Situs: {value}", "en": "Website: {value}"},
    "mission_no_phone": {
        "id": "Nomor teleponnya belum tercatat di data saya: lihat situs perwakilan, atau hubungi "
        "hotline Kemlu +62 812 9007 0027 (nomor per Februari 2020).",
        "en": "I have no phone number on record for it: see the mission's website, or call "
        "Kemlu's hotline +62 812 9007 0027 (number as of February 2020).",
    },
    "mission_as_of": {
        "id": "Data kontak per {date} (sumbernya di bawah); pastikan di situs perwakilan.",
        "en": "Contact details as of {date} (source below); check the mission's website.",
    },
    "mission_where_are_you": {
        "id": "Di kota atau negara mana Anda sekarang? Sebutkan, dan saya berikan kontak "
        "perwakilan RI terdekat.",
        "en": "Which city or country are you in? Tell me, and I'll give you the nearest "
        "Indonesian mission's contacts.",
    },
    "events_none_known": {
        "id": "Saya belum punya catatan acara apa pun. Pantau kemlu.go.id untuk jadwal acara.",
        "en": "I have no events on record yet. Follow kemlu.go.id for event schedules.",
    },
}


def say(key: str, language: str, **values: str) -> str:
    """The text `key` in `language`, with {placeholders} filled from `values`."""
    template = TEXTS[key][language]
    return template.format(**values) if values else template

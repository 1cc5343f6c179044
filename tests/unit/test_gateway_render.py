"""Rasa REST channel output → the /api/chat reply.

The samples have the exact shape Rasa 3.6's REST channel answers with (`CollectingOutputChannel`:
`recipient_id` on every message, None-valued keys left out, text split at blank lines into
separate messages, a `json_message` as its own `{"custom": ...}` message after the text).
"""

from __future__ import annotations

from bot.render import Button, Message, Source, render_rasa_output

R = "api:widget-5f2c"

GREETING = [
    {"recipient_id": R, "text": "Halo! Saya Duta, asisten informasi diplomasi digital Kemlu."},
]

HELP_MENU = [
    {
        "recipient_id": R,
        "text": "What can I help you with?",
        "buttons": [
            {"title": "Safe Travel", "payload": "/ask_safe_travel"},
            {"title": "Passport abroad", "payload": "/ask_passport"},
            {"title": "Digital diplomacy events", "payload": "/ask_events"},
        ],
    }
]

ICDD_SOURCE = {
    "title": "International Conference on Digital Diplomacy (ICDD) 2021",
    "url": None,
    "date": "2021-11-16",
}
# An answer of two paragraphs: Rasa sends each as its own message, the sources after the last.
KNOWLEDGE_ANSWER = [
    {
        "recipient_id": R,
        "text": "The ICDD was held on Tuesday, 16 November 2021, in Bali, in a hybrid format.",
    },
    {
        "recipient_id": R,
        "text": 'Its theme was "Unmasking Digital Diplomacy in the New Normal".',
    },
    {"recipient_id": R, "custom": {"duta": {"sources": [ICDD_SOURCE], "fallback": False}}},
]

OUT_OF_SCOPE = [
    {"recipient_id": R, "text": "Maaf, saya belum bisa membantu soal itu."},
    {"recipient_id": R, "custom": {"duta": {"sources": [], "fallback": True}}},
]


def test_plain_text() -> None:
    reply = render_rasa_output(GREETING, "id")
    assert reply.to_json() == {
        "language": "id",
        "fallback": False,
        "messages": [{"text": GREETING[0]["text"], "buttons": [], "sources": []}],
    }


def test_text_with_buttons() -> None:
    reply = render_rasa_output(HELP_MENU, "en")
    assert reply.messages[0].buttons == [
        Button("Safe Travel", "/ask_safe_travel"),
        Button("Passport abroad", "/ask_passport"),
        Button("Digital diplomacy events", "/ask_events"),
    ]
    assert reply.to_json()["messages"][0]["buttons"][0] == {
        "title": "Safe Travel",
        "payload": "/ask_safe_travel",
    }


def test_custom_duta_merges_into_the_text_before_it() -> None:
    reply = render_rasa_output(KNOWLEDGE_ANSWER, "en")
    assert reply.fallback is False
    assert [m.text for m in reply.messages] == [KNOWLEDGE_ANSWER[0]["text"],
                                                KNOWLEDGE_ANSWER[1]["text"]]  # fmt: skip
    assert reply.messages[0].sources == []
    assert reply.messages[1].sources == [Source(ICDD_SOURCE["title"], None, "2021-11-16")]
    assert reply.to_json()["messages"][1]["sources"] == [ICDD_SOURCE]


def test_a_fallback_custom_makes_the_reply_a_fallback() -> None:
    reply = render_rasa_output(OUT_OF_SCOPE, "id")
    assert reply.fallback is True
    assert reply.messages == [Message(OUT_OF_SCOPE[0]["text"])]


def test_the_language_the_actions_name_wins_over_the_gateways_guess() -> None:
    told = [{"recipient_id": R, "custom": {"duta": {"language": "en"}}}]
    reply = render_rasa_output(told + HELP_MENU, "id")
    assert reply.language == "en"
    assert reply.fallback is False
    assert reply.messages == [Message(HELP_MENU[0]["text"], [
        Button("Safe Travel", "/ask_safe_travel"),
        Button("Passport abroad", "/ask_passport"),
        Button("Digital diplomacy events", "/ask_events"),
    ])]  # fmt: skip
    # No language named, or one Duta does not speak: the guess stays.
    assert render_rasa_output(HELP_MENU, "id").language == "id"
    odd = [{"recipient_id": R, "custom": {"duta": {"language": "fr"}}}]
    assert render_rasa_output(odd + GREETING, "id").language == "id"


def test_no_messages_at_all_is_a_fallback_apology_in_the_users_language() -> None:
    indonesian = render_rasa_output([], "id")
    english = render_rasa_output([], "en")
    assert indonesian.fallback is True and english.fallback is True
    assert "Mohon maaf" in indonesian.messages[0].text
    assert "Sorry" in english.messages[0].text
    assert indonesian.messages[0].buttons == [] and indonesian.messages[0].sources == []


def test_metadata_without_any_text_is_an_apology_too() -> None:
    reply = render_rasa_output(KNOWLEDGE_ANSWER[2:], "en")
    assert reply.fallback is True
    assert "Sorry" in reply.messages[0].text


def test_each_answer_keeps_its_own_sources() -> None:
    other = {"title": "Safe Travel", "url": "https://safetravel.kemlu.go.id", "date": None}
    second = [
        {"recipient_id": R, "text": "Safe Travel is Kemlu's app for travellers."},
        {"recipient_id": R, "custom": {"duta": {"sources": [other], "fallback": False}}},
    ]
    reply = render_rasa_output(KNOWLEDGE_ANSWER + second, "en")
    assert [len(m.sources) for m in reply.messages] == [0, 1, 1]
    assert reply.messages[2].sources[0].url == "https://safetravel.kemlu.go.id"


def test_sources_sent_before_any_text_go_to_the_next_text() -> None:
    reply = render_rasa_output([KNOWLEDGE_ANSWER[2], KNOWLEDGE_ANSWER[0]], "en")
    assert reply.messages[0].sources[0].title == ICDD_SOURCE["title"]


def test_what_the_contract_has_no_place_for_is_left_out() -> None:
    output = [
        {"recipient_id": R, "image": "https://example.org/map.png"},
        {"recipient_id": R, "custom": {"widget": {"carousel": []}}},
        {
            "recipient_id": R,
            "text": "Pilih:",
            "buttons": [{"title": "Ya", "payload": "/affirm"}, {"title": "no payload"}, "x"],
        },
        {
            "recipient_id": R,
            "custom": {
                "duta": {
                    "sources": [ICDD_SOURCE, ICDD_SOURCE, {"url": "https://x"}, {"title": " "},
                                {"title": "Kemlu", "url": 5, "date": ""}],
                    "fallback": "yes",  # not a bool: not trusted as a fallback flag
                }
            },
        },
        "not a message",
    ]  # fmt: skip
    reply = render_rasa_output(output, "id")
    assert reply.fallback is False
    assert reply.messages == [
        Message(
            "Pilih:",
            [Button("Ya", "/affirm")],
            [Source(ICDD_SOURCE["title"], None, "2021-11-16"), Source("Kemlu", None, None)],
        )
    ]


def test_a_language_asked_for_in_words_becomes_the_replys_choice() -> None:
    told = [{"recipient_id": R, "custom": {"duta": {"language": "en", "language_chosen": True}}}]
    reply = render_rasa_output(told + HELP_MENU, "id")
    assert (reply.language, reply.language_choice) == ("en", "en")
    assert reply.to_json()["language_choice"] == "en"
    plain = render_rasa_output(HELP_MENU, "id")
    assert plain.language_choice is None and "language_choice" not in plain.to_json()

"""Sources under an answer: a dated source shows its date; an undated page shows the day it was
read, labelled as such in the answer's language, never as a publication date."""

from __future__ import annotations

from actions import content
from bot.render import Message, Reply, Source, render_rasa_output
from bot.telegram.formatting import render_message

R = "me"
STEKOM = {
    "title": "Workshop Online Diplomasi dan Publik Speaking (Hari ke-10)",
    "url": "https://stekom.id/berita/workshop.html",
    "date": None,
    "accessed": "2026-12-06",
}
ICDD = {"title": "ICDD", "url": None, "date": "2021-11-17"}


def _reply(sources: list[dict[str, object]], language: str = "en") -> Reply:
    output = [
        {"recipient_id": R, "custom": {"duta": {"language": language}}},
        {"recipient_id": R, "text": "An answer."},
        {"recipient_id": R, "custom": {"duta": {"sources": sources, "fallback": False}}},
    ]
    return render_rasa_output(output, language)


def test_the_api_carries_the_read_date_only_for_an_undated_page() -> None:
    reply = _reply([STEKOM, ICDD, {**ICDD, "title": "Dated", "accessed": "2026-12-06"}])
    sources = reply.to_json()["messages"][0]["sources"]
    assert sources[0] == STEKOM
    assert sources[1] == ICDD  # no "accessed" key when there is none: the contract is unchanged
    assert sources[2] == {**ICDD, "title": "Dated"}  # a date wins: never both


def test_telegram_labels_the_read_date_in_the_answers_language() -> None:
    message = _reply([STEKOM, ICDD]).messages[0]
    english = render_message(message, "en")[-1].html
    assert "(read 2026-12-06)" in english and "(2021-11-17)" in english
    indonesian = render_message(message, "id")[-1].html
    assert "Sumber:" in indonesian and "(dibaca 2026-12-06)" in indonesian
    undated = Message("x", [], [Source("No date at all", None, None)])
    assert render_message(undated, "en")[-1].html.endswith("• No date at all")


def test_visa_and_event_flows_cite_a_dated_source() -> None:
    for entry in content.faq_entries().values():
        source = content.faq_source(entry)
        assert source["date"] or source["accessed"], entry.faq_id
        assert not (source["date"] and source["accessed"]), entry.faq_id
    hanson = content.faq_source(content.faq("dd-definition-hanson"))
    assert hanson["date"] is None and hanson["accessed"] == "2026-12-06"
    fee = content.faq_source(content.faq("visa-evoa-fee"))
    assert fee["url"].startswith("https://imigrasi.go.id/") and fee["date"] == "2022-04-18"

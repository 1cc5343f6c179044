"""The mission card on the real stack: an emergency that names a city gets the hotline and that
city's mission in one reply, through /api/chat and on Telegram."""

from __future__ import annotations

import uuid

import pytest

from knowledge.missions import load_directory

from .conftest import RunningStack
from .telegram_fake import TelegramTestApi, count_at_least

pytestmark = pytest.mark.integration

HOTLINE = "+62 812 9007 0027"


def test_an_emergency_in_a_named_city_gets_the_hotline_and_its_mission(
    running_stack: RunningStack,
) -> None:
    osaka = load_directory().by_id("kjri-osaka")
    assert osaka is not None
    reply = running_stack.chat(f"mission-{uuid.uuid4().hex[:8]}", "Help, I was robbed in Osaka!")
    assert reply.status == 200 and reply.body["fallback"] is False, reply.body
    assert HOTLINE in reply.text
    assert "Consulate General of the Republic of Indonesia in Osaka" in reply.text
    assert osaka.contacts["phone"].value in reply.text
    assert osaka.contacts["website"].value in reply.text
    dates = [s["date"] for m in reply.body["messages"] for s in m["sources"]]
    assert dates and all(dates), "the card's details carry their source's date"


def test_telegram_shows_the_card_with_the_missions_link(
    running_stack: RunningStack, telegram_api: TelegramTestApi
) -> None:
    user = telegram_api.user(language_code="id")
    user.send("tolong, saya dirampok di Osaka")
    replies = user.replies(count_at_least(2), settle=2.0)
    shown = "\n".join(r["text"] for r in replies)
    assert HOTLINE in shown
    assert "KJRI Osaka" in shown and "https://kemlu.go.id/osaka" in shown


@pytest.mark.parametrize(
    ("question", "mission_id", "fallback"),
    [
        ("what is the address of the Indonesian embassy in Lisbon?", "kbri-lisbon", False),
        ("kbri di Helsinki alamatnya apa", "kbri-helsinki", False),
        # Who heads a mission or how many work there is on no card: no confident answer, and
        # the card is still there, to say where to ask.
        ("siapa kepala bagian konsuler KBRI Lisbon sekarang?", "kbri-lisbon", True),
        ("How many staff work at the Indonesian embassy in Helsinki?", "kbri-helsinki", True),
    ],
)
def test_a_mission_question_gets_its_card_and_is_a_fallback_unless_the_card_answers_it(
    running_stack: RunningStack, question: str, mission_id: str, fallback: bool
) -> None:
    mission = load_directory().by_id(mission_id)
    assert mission is not None
    reply = running_stack.chat(f"mission-{uuid.uuid4().hex[:8]}", question)
    assert reply.status == 200 and reply.body["fallback"] is fallback, reply.body
    assert mission.name[reply.body["language"]] in reply.text
    assert mission.contacts["website"].value in reply.text


@pytest.mark.parametrize("message", ["I lost my passport", "paspor sy dicuri"])
def test_a_lost_passport_gets_what_to_do_and_the_hotline_at_once(
    running_stack: RunningStack, message: str
) -> None:
    reply = running_stack.chat(f"mission-{uuid.uuid4().hex[:8]}", message)
    assert reply.status == 200 and reply.body["fallback"] is False, reply.body
    assert "Safe Travel" in reply.text and HOTLINE in reply.text
    dated = [s for m in reply.body["messages"] for s in m["sources"] if s.get("date")]
    assert any(s["date"].startswith("2020-02") for s in dated), "the hotline's date is shown"

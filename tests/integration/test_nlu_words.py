"""The words of a precise visa question, of a question about events and of trouble as the trained
model reads them (issues 23, 18): each sentence goes to the session stack's real Rasa
(`POST /model/parse`), and the actions' readers (actions/visa.py `is_precise`, actions/events.py,
actions/missions.py `says_trouble`) get the entities the NLU's LookupEntityExtractor
(nlu/lookup_entities.py) found with the words of training_data/visa_questions.yml,
event_terms.yml and emergency_terms.yml.
"""

from __future__ import annotations

import pytest

from actions.events import EVENT_WORD, NEXT_WORD, year_named
from actions.missions import says_trouble
from actions.nlu_words import found
from actions.visa import is_precise

from .conftest import RunningStack
from .test_visa_reading import parse

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("text", "precise"),
    [
        ("How much does the visa on arrival cost?", True),
        ("e-VOA bisa diperpanjang gak?", True),
        ("situs resmi e-visa apa ya", True),
        ("do ASEAN citizens need a visa?", True),
        ("perpanjangan visa on arrival bisa?", True),
        ("can I extend a visa-free stay?", True),
        ("I need help with a visa", False),
        ("gimana cara ngurus visa?", False),
        ("I'm German and want a holiday in Bali, do I need a visa?", False),
    ],
)
def test_the_model_tells_precise_visa_questions(
    running_stack: RunningStack, text: str, precise: bool
) -> None:
    parsed = parse(running_stack, text)
    assert is_precise(parsed["entities"]) is precise, parsed


@pytest.mark.parametrize(
    ("text", "next_", "year", "about_events"),
    [
        ("acara berikutnya kapan?", True, None, True),
        ("bakal ada ICDD lagi gak?", True, None, False),
        ("what's the next event?", True, None, True),
        ("Any UPCOMING conferences?", True, None, False),
        ("is anything coming up?", True, None, False),
        ("what happened in 2021?", False, "2021", False),
        ("acara tahun 2015 apa", False, "2015", True),
        ("events in 1999 and 2019", False, "1999", True),
        ("tahun 20215 ada apa", False, None, False),
        ("jadwal webinar diplomasi digital", False, None, True),
        ("kegiatan diplomasi apa saja yang bisa dilakukan virtual?", False, None, False),
    ],
)
def test_the_model_reads_a_question_about_events(
    running_stack: RunningStack, text: str, next_: bool, year: str | None, about_events: bool
) -> None:
    entities = parse(running_stack, text)["entities"]
    assert bool(found(entities, NEXT_WORD)) is next_, entities
    assert year_named(entities) == year, entities
    assert bool(found(entities, EVENT_WORD)) is about_events, entities


@pytest.mark.parametrize(
    ("text", "trouble"),
    [
        ("paspor sy ilang di tokyo gmn nih", True),
        ("my wallet and passport got stolen at the station", True),
        ("abang sy ditangkep polisi malaysia kmrn", True),
        ("gaji sy gak dibayar 4 bulan sm majikan", True),
        ("There was a strong earthquake and we sleep outside", True),
        ("Has the Kecak dance been inscribed on the UNESCO heritage list?", False),
        ("what's the theme of ICDD 2021?", False),
    ],
)
def test_the_model_finds_the_words_of_trouble(
    running_stack: RunningStack, text: str, trouble: bool
) -> None:
    """What action_emergency needs besides the emergency intent (training_data/
    emergency_terms.yml)."""
    parsed = parse(running_stack, text)
    assert says_trouble(parsed) is trouble, parsed

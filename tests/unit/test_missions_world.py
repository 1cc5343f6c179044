"""Issue 20's data check: the directory's schema and uniqueness, and that every country and
territory in the world (pycountry's 249) resolves: to a mission, or to an outcome the file
documents (`no_mission:`, with why); and the cards these outcomes give in the conversation.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry
import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.missions import ActionMissionCard
from knowledge.missions import (
    Directory,
    NoMission,
    Resolution,
    check,
    coverage,
    known_country,
    load_directory,
    sovereignty,
)
from knowledge.paths import PROJECT_ROOT
from tests.unit.conftest import DIRECTORY_FILE
from tests.unit.test_actions_answer import FakeKB
from tests.unit.test_actions_support import make_tracker, texts


def test_every_mission_has_the_schemas_fields_and_nothing_is_listed_twice(
    raw: dict[str, Any], directory: Directory
) -> None:
    assert check(raw) == []
    missions = raw["missions"]
    required = {"id", "kind", "name", "city", "country", "covers", "covers_source"}
    for mission in missions:
        assert required <= set(mission), mission.get("id")
        assert all(s in directory.sources for s in mission["covers_source"]), mission["id"]
        assert all(s in directory.sources for s in mission.get("looks_after_source", []))
        # A code is covered once per mission; the host is among them (but for the PTRI).
        assert len(mission["covers"]) == len(set(mission["covers"])), mission["id"]
        if mission["kind"] != "permanent-mission":
            assert mission["country"] in mission["covers"], mission["id"]
    for key in ("id", "website"):
        values = [m[key] if key == "id" else m[key]["value"] for m in missions]
        assert [v for v, n in Counter(values).items() if n > 1] == [], key
    names = [m["name"][lang] for m in missions for lang in ("id", "en")]
    assert [n for n, k in Counter(names).items() if k > 1] == []
    # One embassy per host country; a country is accredited to one embassy at most (Yemen has
    # its own, KBRI Sanaa, and is also KBRI Muscat's accreditation).
    embassies = [m for m in missions if m["kind"] == "embassy"]
    hosts = Counter(m["country"] for m in embassies)
    assert [c for c, n in hosts.items() if n > 1] == []
    accredited = Counter(c for m in embassies for c in m["covers"] if c != m["country"])
    assert [c for c, n in accredited.items() if n > 1] == []
    source_ids = [s["id"] for s in raw["sources"]]
    assert len(source_ids) == len(set(source_ids))
    documented = [e["country"] for e in raw["no_mission"]]
    assert len(documented) == len(set(documented))


def test_every_country_and_territory_in_the_world_resolves(directory: Directory) -> None:
    unresolved = [c.alpha_2 for c in pycountry.countries if directory.outcome(c.alpha_2) is None]
    assert unresolved == []
    assert len(list(pycountry.countries)) >= 249
    for country in pycountry.countries:
        found = directory.outcome(country.alpha_2)
        if isinstance(found, Resolution):
            assert found.mission.contacts["website"].value, country.alpha_2
        else:
            assert isinstance(found, NoMission)
            assert found.why["id"] and found.why["en"], country.alpha_2


def test_the_documented_no_mission_places_are_few_and_no_mission_reaches_them(
    directory: Directory,
) -> None:
    """A guess is never written in: these stay without a mission until a source names one."""
    assert set(directory.no_mission) == {"ID", "SS", "EH", "AQ"}
    for code in directory.no_mission:
        assert directory.serving_country(code) is None, code
    counts = coverage(directory)
    assert "unresolved" not in counts
    assert len(counts["no-mission"]) == 4


@pytest.mark.parametrize(
    ("text", "mission", "how", "sovereign"),
    [
        ("I lost my passport in Willemstad", "kbri-the-hague", "sovereign", "NL"),
        ("paspor hilang di Curaçao", "kbri-the-hague", "sovereign", "NL"),
        ("stranded in Bermuda, help", "kbri-london", "sovereign", "GB"),
        ("saya di Tahiti, Polinesia Prancis", "kbri-paris", "sovereign", "FR"),
        ("robbed in Tórshavn", "kbri-copenhagen", "sovereign", "DK"),
        ("WNI di Greenland", "kbri-copenhagen", "accredited", None),
        ("is there an Indonesian embassy in Israel?", "kbri-amman", "looks-after", None),
        ("United States Minor Outlying Islands", "kjri-los-angeles", "accredited", None),
    ],
)
def test_territories_and_a_country_without_relations_resolve_as_documented(
    directory: Directory, text: str, mission: str, how: str, sovereign: str | None
) -> None:
    found = directory.resolve(text)
    assert found is not None, text
    assert (found.mission.id, found.how, found.sovereign) == (mission, how, sovereign)


def test_the_territory_rule_comes_from_the_kept_data_file() -> None:
    """knowledge/gazetteer/sovereignty.tsv: every code and sovereign a real one; the rule follows
    the file (a territory missing from it resolves to nothing)."""
    table = sovereignty()
    assert {"AW", "BM", "PF", "FO", "NF", "TK", "SJ", "AX"} <= set(table)
    for code, entry in table.items():
        assert known_country(code), code
        assert entry.sovereign is None or known_country(entry.sovereign), code
        assert entry.sovereign is not None or entry.status in ("International", "In contention")
    directory = load_directory(DIRECTORY_FILE)
    directory.sovereignty = {k: v for k, v in table.items() if k != "AW"}
    assert directory.outcome("AW") is None
    assert directory.outcome("CW").how == "sovereign"  # type: ignore[union-attr]


def test_a_named_place_no_mission_serves_is_said_so_but_home_is_not_a_place(
    directory: Directory,
) -> None:
    assert directory.resolve("I'm in Juba, South Sudan, my passport was stolen") is None
    found = directory.unserved("I'm in Juba, South Sudan, my passport was stolen")
    assert found is not None and found.country == "SS"
    assert found.source in directory.sources
    # "Indonesia" names no place abroad: another place in the message still wins, and alone it
    # gives neither a mission nor a no-mission answer.
    assert directory.resolve("alamat KBRI Indonesia di Tokyo").mission.id == "kbri-tokyo"  # type: ignore[union-attr]
    assert directory.unserved("nomor hotline Kemlu Indonesia") is None


def _with(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"country": "ZZ", "why": {"id": "x", "en": "x"}}, "no_mission ZZ: unknown country code"),
        ({"country": "SS", "why": {"en": "x"}}, "why needs text in both id and en"),
        ({"country": "SS", "why": {"id": "x", "en": "x"}, "source": "nope"},
         "source 'nope' is not a listed source"),
        ({"country": "JP", "why": {"id": "x", "en": "x"}}, "a mission covers it"),
    ],
)  # fmt: skip
def test_a_bad_no_mission_entry_is_refused(
    raw: dict[str, Any], entry: dict[str, Any], problem: str
) -> None:
    problems = check(_with(raw, no_mission=[*raw["no_mission"], entry]))
    assert any(problem in p for p in problems), problems


def test_looks_after_needs_its_source(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    amman = next(m for m in data["missions"] if m["id"] == "kbri-amman")
    amman["looks_after_source"] = []
    assert any("looks_after: needs looks_after_source" in p for p in check(data))


def test_validate_reports_the_world_coverage_and_fails_on_a_country_left_out(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "tests" / "data" / "kb_fixture", knowledge)

    def validate(data: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        (knowledge / "missions.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
        return subprocess.run(
            [sys.executable, "-m", "admin", "validate", "--source", str(knowledge)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    done = validate(raw)
    assert done.returncode == 0, done.stderr
    assert "countries and territories: 249 of 249 resolve" in done.stdout
    assert "no mission (documented): AQ, EH, ID, SS" in done.stdout
    left_out = [e for e in raw["no_mission"] if e["country"] != "SS"]
    done = validate(_with(raw, no_mission=left_out))
    assert done.returncode == 1
    assert "error: 1 resolve to no mission and are not in no_mission: SS" in done.stderr


@pytest.fixture(autouse=True)
def no_entry_answers(install: Any) -> None:
    """The card action first asks the knowledge layer for an entry; here none answers."""
    install(FakeKB([], answerable=False))


async def card(text: str, language: str, home: str | None = None) -> str:
    dispatcher = CollectingDispatcher()
    metadata = {"mission": home} if home else None
    tracker = make_tracker(text, "emergency", slots={"language": language}, metadata=metadata)
    await ActionMissionCard().run(dispatcher, tracker, {})
    [said] = texts(dispatcher)
    return said


async def test_a_territorys_card_says_it_is_the_sovereign_states_mission() -> None:
    said = await card("I lost my passport in Willemstad", "en")
    assert said.startswith(
        "No source names an Indonesian mission for Willemstad, a territory of Netherlands; the "
        "Indonesian mission responsible for Netherlands is Embassy of the Republic of Indonesia "
        "in The Hague"
    )
    said = await card("paspor saya hilang di Bermuda", "id")
    assert said.startswith(
        "Tidak ada sumber yang menyebut perwakilan RI untuk Bermuda, wilayah Britania Raya; "
        "perwakilan RI yang bertanggung jawab atas Britania Raya adalah KBRI London (London)."
    )


async def test_israel_is_said_to_have_no_mission_and_who_looks_after_indonesians() -> None:
    said = await card("I was robbed in Tel Aviv", "en")
    assert said.startswith(
        "Indonesia has no mission in Tel Aviv and none accredited to it; Indonesians there are "
        "looked after by Embassy of the Republic of Indonesia in Amman (Amman)."
    )


async def test_a_place_without_a_mission_on_record_says_so_and_gives_the_hotline() -> None:
    said = await card("help, my passport was stolen in Juba, South Sudan", "en")
    assert said.startswith("I have no Indonesian mission on record for Juba.")
    assert "no source I have names the embassy accredited to South Sudan" in said
    assert "+62 812 9007 0027" in said
    # The place named wins over the mission of the site the user came from.
    said = await card("saya di Sahara Barat, paspor hilang", "id", home="kbri-tokyo")
    assert said.startswith("Tidak ada perwakilan RI yang tercatat untuk Sahara Barat.")

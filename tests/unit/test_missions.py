"""The mission directory (content/missions.yml): its checks, and which mission serves a place.

The resolution examples here are made up for the tests; the blind place questions are measured by
`python -m bench.places`, never asserted one by one.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.missions import Directory, MissionDataError, check, load_directory
from knowledge.paths import PROJECT_ROOT


def test_the_projects_directory_passes_its_checks(directory: Directory) -> None:
    assert len(directory.missions) >= 125
    ids = [m.id for m in directory.missions]
    assert len(ids) == len(set(ids))
    kinds = {m.kind for m in directory.missions}
    assert {"embassy", "consulate-general", "consulate", "economic-office"} <= kinds
    for mission in directory.missions:
        assert mission.contacts["website"].value, mission.id
        assert mission.contacts["website"].source in directory.sources, mission.id


def _broken(raw: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    first = data["missions"][0]
    for key, value in changes.items():
        first[key] = value
    return data


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"country": "XX"}, "unknown country code 'XX'"),
        ({"covers": ["JP", "ZZ"]}, "covers: unknown country code 'ZZ'"),
        ({"kind": "office"}, "kind must be one of"),
        ({"name": {"id": "KBRI X"}}, "name needs text in both id and en"),
        ({"website": {"value": "http://kemlu.go.id/x", "source": "gh-kemlu-perwakilan"}},
         "website must be an https:// address"),
        ({"phone": {"value": "+62 xxx", "source": "gh-kemlu-perwakilan"}},
         "phone: not a telephone number"),
        ({"phone": {"value": "+81 3 3441 4201", "source": None}},
         "phone: every value needs the id of a listed source"),
        ({"email": {"value": "kbri at kemlu", "source": "gh-kemlu-perwakilan"}},
         "email: not an e-mail address"),
        ({"id": "KBRI Tokyo"}, "id must be kebab-case"),
    ],
)  # fmt: skip
def test_a_broken_mission_is_refused_with_its_id_and_why(
    raw: dict[str, Any], changes: dict[str, Any], problem: str
) -> None:
    problems = check(_broken(raw, **changes))
    assert any(problem in p for p in problems), problems


def test_every_problem_is_listed_at_once_and_nothing_loads(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    data = _broken(raw, country="XX")
    data["missions"].append(copy.deepcopy(data["missions"][1]))  # a duplicate id
    path = tmp_path / "missions.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MissionDataError) as refused:
        load_directory(path)
    assert "2 problem(s)" in str(refused.value)
    assert "the id is used twice" in str(refused.value)


def test_validate_checks_the_directory_from_the_command_line(
    raw: dict[str, Any], tmp_path: Path
) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "tests" / "data" / "kb_fixture", broken)
    data = _broken(raw, country="XX")
    (broken / "missions.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    done = subprocess.run(
        [sys.executable, "-m", "admin", "validate", "--source", str(broken)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "unknown country code 'XX'" in done.stderr


@pytest.mark.parametrize(
    ("text", "mission", "how"),
    [
        ("tolong paspor saya hilang di Osaka", "kjri-osaka", "consulate-area"),
        ("I live in Nagoya, where do I renew my passport?", "kbri-tokyo", "embassy-in-country"),
        ("alamat KBRI di Jepang", "kbri-tokyo", "embassy-in-country"),
        ("is there an Indonesian embassy in Iceland?", "kbri-oslo", "accredited"),
        ("my wallet was stolen in Kuala Lumpr", "kbri-kuala-lumpur", "mission-city"),
        ("which consulate covers Texas?", "kjri-houston", "consulate-area"),
        ("ada demo di Sana'a, kami aman?", "kbri-sanaa", "mission-city"),
    ],
)
def test_a_place_resolves_to_the_mission_that_serves_it(
    directory: Directory, text: str, mission: str, how: str
) -> None:
    found = directory.resolve(text)
    assert found is not None, text
    assert (found.mission.id, found.how) == (mission, how)


@pytest.mark.parametrize(
    "text",
    [
        "Kapan ICDD diadakan?",  # "Kapan" is a town in Armenia
        "surat keterangan kehilangan paspor",  # Surat, India
        "Sale of tickets for the conference",  # Salé, Morocco
        "my mobile was stolen, police report?",
        "mau liburan ke Bali",  # a place at home, not the town abroad of that name
        # Other names GeoNames gives a mission's city are towns' names here, not the city's own.
        "ada gempa di sana, adik sy gak bisa dihubungi",  # "Sana", Sana'a
        "kita harus gimana sekarang",  # "Kita", Quito
        "apakah aman pergi ke luar negeri sekarang?",  # "Aman", Amman
        "suami sy WNA mau tinggal di indo, KITAS penyatuan keluarga gimana",  # "Kitas", Quito
        "my sister went backpacking in south america alone",  # a continent, not the US
    ],
)
def test_ordinary_words_are_not_taken_for_towns(directory: Directory, text: str) -> None:
    assert directory.resolve(text) is None

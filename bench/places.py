"""Which mission serves a place (issue 20): share of place questions resolved to the right one.

    .venv/bin/python -m bench.places [--split dev|test] [--show-misses]

The questions are tests/data/place_questions.yml, written blind from public sources by someone
who had not seen the directory: each names a place and the mission that serves it (its kind,
city and country). Resolution runs in process (knowledge.missions), no stack. The test split is
held out: --show-misses is dev only.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from typing import Any

import yaml

from bench.common import PROJECT_ROOT, machine
from knowledge.missions import Mission, _fold, load_directory

SET_FILE = PROJECT_ROOT / "tests" / "data" / "place_questions.yml"
SPLITS = ("dev", "test")


def is_expected(mission: Mission | None, expect: dict[str, Any]) -> bool:
    # "Washington, D.C." is the set's "Washington": one city name may extend the other.
    if mission is None or mission.country != expect["country"]:
        return False
    ours, theirs = _fold(mission.city["en"]), _fold(expect["city"])
    return ours.startswith(theirs) or theirs.startswith(ours)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--show-misses", action="store_true", help="dev only")
    args = parser.parse_args(argv)
    if args.show_misses and args.split != "dev":
        parser.error("--show-misses is for --split dev only; the test split is held out")
    directory = load_directory()
    items = yaml.safe_load(SET_FILE.read_text(encoding="utf-8"))[args.split]
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    misses = []
    for item in items:
        found = directory.resolve(item["q"])
        ok = is_expected(found.mission if found else None, item["expect"])
        for key in ("all", item["lang"], item["kind"]):
            total[key] += 1
            right[key] += ok
        if not ok:
            got = f"{found.mission.id} ({found.how}, {found.place!r})" if found else "nothing"
            misses.append(f"- {item['q']!r}: {got}; expected {item['expect']}")
    print(f"place questions, {args.split}; {machine()}")
    print("| group | questions | right mission | share |\n|---|---|---|---|")
    for key in ["all", "id", "en", *sorted(k for k in total if k not in ("all", "id", "en"))]:
        print(f"| {key} | {total[key]} | {right[key]} | {right[key] / total[key]:.3f} |")
    if args.show_misses and misses:
        print("\nMisses:\n" + "\n".join(misses))


if __name__ == "__main__":
    main()

"""The held-out NLU test set stays held out and covers every intent in both languages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\]\{[^}]*\}")


def _examples(block: dict) -> list[str]:
    lines = [line.strip() for line in block["examples"].splitlines()]
    return [ANNOTATION.sub(r"\1", line[2:]) for line in lines if line.startswith("- ")]


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _blocks(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [block for block in data["nlu"] if "intent" in block]


TRAIN = _blocks(ROOT / "training_data" / "nlu.yml")
TEST = _blocks(ROOT / "tests" / "nlu_test.yml")


def test_no_test_sentence_is_in_the_training_data() -> None:
    trained = {_normal(text) for block in TRAIN for text in _examples(block)}
    leaked = [text for block in TEST for text in _examples(block) if _normal(text) in trained]
    assert leaked == []


def test_at_least_ten_examples_per_intent_per_language() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    counts: Counter[tuple[str, str]] = Counter()
    for block in TEST:
        counts[(block["intent"], block["metadata"]["language"])] += len(_examples(block))
    for intent in domain["intents"]:
        for language in ("id", "en"):
            assert counts[(intent, language)] >= 10, (intent, language)

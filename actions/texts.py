"""The dialogue's words, from the one catalogue Rasa also reads: domain.yml's `responses`.

Actions compose some texts with answers, cards and buttons (the visa form's questions, the mission
card, the no-answer reply); those are responses too (`utter_<key>`, one variation per language,
like every other), and `say` fills their {blanks} here. A third language is one more variation per
response in domain.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain.yml"


def language_of(variation: dict[str, Any]) -> str | None:
    """The language a response variation is for (its `language` slot condition), if any."""
    for condition in variation.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == "language":
            return condition.get("value")
    return None


def load_texts(domain_file: Path = DOMAIN_FILE) -> dict[str, dict[str, str]]:
    """Each response's text by language, keyed by its name without `utter_`."""
    responses = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["responses"]
    return {
        name.removeprefix("utter_"): {
            language: variation["text"]
            for variation in variations
            if (language := language_of(variation)) and "text" in variation
        }
        for name, variations in responses.items()
    }


TEXTS = load_texts()


def say(key: str, language: str, **values: str) -> str:
    """The text of response `utter_<key>` in `language`, with {blanks} filled from `values`."""
    template = TEXTS[key][language]
    return template.format(**values) if values else template

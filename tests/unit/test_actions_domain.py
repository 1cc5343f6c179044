"""Every reply exists in both languages, and the domain and the action server agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from actions.language import LANGUAGES
from actions.texts import TEXTS, language_of, say

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_response_has_one_variation_per_language(name: str) -> None:
    variations = DOMAIN["responses"][name]
    assert sorted(language_of(v) for v in variations) == sorted(LANGUAGES)
    by_language = {language_of(v): v for v in variations}
    # Same buttons (payloads) and the same fallback flag whatever the language.
    payloads = {
        lang: [b["payload"] for b in v.get("buttons", [])] for lang, v in by_language.items()
    }
    assert payloads["id"] == payloads["en"]
    customs = {lang: v.get("custom") for lang, v in by_language.items()}
    assert (customs["id"] or {}).get("duta", {}).get("fallback") == (customs["en"] or {}).get(
        "duta", {}
    ).get("fallback")


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_has_both_languages_with_the_same_blanks(key: str) -> None:
    entry = TEXTS[key]
    assert set(entry) == set(LANGUAGES)
    assert all(text.strip() for text in entry.values())
    assert set(PLACEHOLDER.findall(entry["id"])) == set(PLACEHOLDER.findall(entry["en"]))


def _keys_named_in_actions() -> set[str]:
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    return set(re.findall(r"""say\(\s*["'](\w+)["']""", source))


def test_every_text_an_action_says_is_a_response_in_the_domain() -> None:
    named = _keys_named_in_actions()
    assert "no_answer" in named  # the search itself works
    assert named <= set(TEXTS)


def test_actions_read_the_domain_as_rasa_does() -> None:
    variations = DOMAIN["responses"]["utter_mission_heading"]
    english = next(v["text"] for v in variations if language_of(v) == "en")
    filled = say("mission_heading", "en", place="P", name="N", city="C")
    assert filled == english.format(place="P", name="N", city="C")


def test_the_language_slot_takes_exactly_the_dialogue_languages() -> None:
    assert DOMAIN["slots"]["language"]["values"] == list(LANGUAGES)


def test_domain_actions_are_exactly_the_served_actions() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    served = {a.name for a in executor.list_actions()}
    assert served == set(DOMAIN["actions"])


def test_intents_in_rules_and_nlu_are_declared() -> None:
    nlu = yaml.safe_load((ROOT / "training_data" / "nlu.yml").read_text(encoding="utf-8"))
    trained = {block["intent"] for block in nlu["nlu"] if "intent" in block}
    assert trained == set(DOMAIN["intents"])

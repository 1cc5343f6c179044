"""The gateway's one catalogue (bot/texts.yml): every key in every language, with the same blanks,
and every key the code asks for is there."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from bot.i18n import LANGUAGES, has_text, text

CATALOGUE = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "texts.yml").read_text())


def _blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_text_in_every_language_with_the_same_blanks(key: str) -> None:
    texts = CATALOGUE[key]
    assert set(texts) == set(LANGUAGES) and all(texts.values()), key
    assert len({frozenset(_blanks(texts[lang])) for lang in LANGUAGES}) == 1, key


def test_every_key_the_gateway_names_is_in_the_catalogue() -> None:
    """Keys written literally in text("...") / t("...") calls, in the code and the templates."""
    bot = Path(__file__).resolve().parents[2] / "bot"
    named = set()
    for path in [*bot.rglob("*.py"), *bot.rglob("*.html")]:
        named |= set(re.findall(r"\b(?:text|t)\(\s*[\"']([a-z0-9_]+)[\"']", path.read_text()))
    assert named, "the pattern no longer finds the calls"
    # A name ending in "_" is the start of a key made at run time (t('role_' ~ role)).
    prefixes = {name for name in named if name.endswith("_")}
    assert sorted(key for key in named - prefixes if not has_text(key)) == []
    assert all(any(key.startswith(prefix) for key in CATALOGUE) for prefix in prefixes)


def test_a_text_fills_its_blanks() -> None:
    assert "30" in text("rate_limited", "en", retry_after=30)

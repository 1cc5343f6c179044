"""Static checks of bot/static/widget.js: size budget, no HTML parsing of data, both languages."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from bot.i18n import texts_starting
from bot.widget_routes import widget_source

WIDGET = Path(__file__).resolve().parents[2] / "bot" / "static" / "widget.js"
SOURCE = WIDGET.read_text(encoding="utf-8")
SERVED = widget_source(WIDGET)  # with its interface words from bot/texts.yml
# What an embassy page downloads is the gzip copy the gateway serves (bot/widget_routes.py);
# the plain size bounds what the browser parses.
MAX_GZIP_BYTES = 16 * 1024
MAX_BYTES = 48 * 1024


def test_widget_fits_the_size_budget() -> None:
    assert len(SERVED) <= MAX_BYTES
    assert len(gzip.compress(SERVED, compresslevel=9, mtime=0)) <= MAX_GZIP_BYTES


@pytest.mark.parametrize(
    "construct",
    ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
     "createContextualFragment", "DOMParser", "srcdoc", "setTimeout(\""],
)  # fmt: skip
def test_no_html_parsing_or_code_from_strings(construct: str) -> None:
    # Server data reaches the page only as textContent and DOM nodes.
    assert construct not in SOURCE


def test_no_framework_or_module_syntax() -> None:
    # A classic script that runs as-is: no import/export, no require, no build step.
    assert not re.search(r"^\s*(import|export)\s", SOURCE, re.MULTILINE)
    assert "require(" not in SOURCE


def test_links_are_opened_safely() -> None:
    assert 'rel: "noopener noreferrer"' in SOURCE
    assert 'target: "_blank"' in SOURCE
    assert 'url.protocol !== "https:" && url.protocol !== "http:"' in SOURCE


def test_every_interface_string_exists_in_both_languages() -> None:
    strings = texts_starting("widget_")
    assert len(strings["id"]) > 20 and set(strings["id"]) == set(strings["en"])
    used = set(re.findall(r'\bt\("(\w+)"\)', SOURCE))
    assert used and used <= set(strings["id"]), used - set(strings["id"])
    served = json.loads(re.search(rb"var STRINGS = (\{.*?\n\});", SERVED, re.DOTALL).group(1))
    assert served == strings


def test_the_served_file_holds_the_strings_once() -> None:
    with pytest.raises(ValueError, match="widget strings"):
        widget_source(Path(__file__))  # a file without the mark is refused, not served bare

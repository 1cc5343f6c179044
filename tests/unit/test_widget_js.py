"""Static checks of bot/static/widget.js: size budget, no HTML parsing of data, both languages."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[2] / "bot" / "static" / "widget.js"
SOURCE = WIDGET.read_text(encoding="utf-8")
# What an embassy page downloads is the gzip copy the gateway serves (bot/widget_routes.py);
# the plain size bounds what the browser parses.
MAX_GZIP_BYTES = 16 * 1024
MAX_BYTES = 48 * 1024


def test_widget_fits_the_size_budget() -> None:
    assert WIDGET.stat().st_size <= MAX_BYTES
    assert len(gzip.compress(WIDGET.read_bytes(), compresslevel=9, mtime=0)) <= MAX_GZIP_BYTES


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


def _strings(lang: str) -> set[str]:
    block = re.search(rf"^    {lang}: \{{\n(.*?)^    \}}", SOURCE, re.MULTILINE | re.DOTALL)
    assert block, f"STRINGS.{lang} not found"
    return set(re.findall(r"^      (\w+):", block.group(1), re.MULTILINE))


def test_every_interface_string_exists_in_both_languages() -> None:
    indonesian, english = _strings("id"), _strings("en")
    assert len(indonesian) > 20
    assert indonesian == english
    used = set(re.findall(r'\bt\("(\w+)"\)', SOURCE))
    assert used <= indonesian, used - indonesian

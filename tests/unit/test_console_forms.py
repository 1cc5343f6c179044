"""The answer form's mapping (admin/console/forms.py), used by the console, the benchmark and the
real-stack tests: an entry turned into the form and back is the same entry."""

from __future__ import annotations

from pathlib import Path

from admin.console.forms import FORM_FIELDS, edit_form, entry_from_form, entry_json
from admin.faq_store import entry_mapping
from knowledge.faq import load_faq, parse_faq_entry
from knowledge.paths import CONTENT_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_every_project_entry_survives_the_form() -> None:
    entries = load_faq(CONTENT_DIR / "faq")
    assert len(entries) > 50
    for entry in entries:
        form = edit_form(entry_json(entry))
        assert set(form) == set(FORM_FIELDS) and form["editing"] == entry.faq_id
        back = parse_faq_entry(entry_from_form(form), "form")
        assert entry_mapping(back) == entry_mapping(entry), entry.faq_id

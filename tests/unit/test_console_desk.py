"""The console's knowledge side without the model: grouping by vectors, editing and retiring an
entry in place (admin.faq_store.replace_entry), and the import checks for an edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from admin.console.desk import cluster, make_groups
from admin.console.store import Unanswered
from admin.faq_checks import check_new_entries
from admin.faq_import import Candidate
from admin.faq_store import entry_mapping, replace_entry
from knowledge.faq import load_faq
from knowledge.paths import CONTENT_DIR
from knowledge.records import KnowledgeInputError


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_cluster_groups_alike_vectors_only() -> None:
    vectors = np.stack([_unit(1, 0.05, 0), _unit(1, 0, 0.05), _unit(0, 1, 0), _unit(1, 0.02, 0.02)])
    groups = sorted(sorted(g) for g in cluster(vectors, 0.9))
    assert groups == [[0, 1, 3], [2]]
    assert cluster(np.zeros((0, 3)), 0.9) == [] and cluster(vectors[:1], 0.9) == [[0]]


def test_groups_most_asked_first_with_counted_examples() -> None:
    items = [
        Unanswered(1, "2026-12-01T10:00:00+00:00", "api", "id", "fallback", "jam buka museum"),
        Unanswered(2, "2026-12-02T10:00:00+00:00", "api", "en", "fallback", "weather in Tokyo"),
        Unanswered(3, "2026-12-03T10:00:00+00:00", "api", "id", "fallback", "Jam buka  museum"),
        Unanswered(4, "2026-12-03T11:00:00+00:00", "api", "en", "fallback", "museum hours?"),
    ]
    [first, second] = make_groups(items, [[1], [0, 2, 3]])
    assert first.size == 3 and second.size == 1
    assert first.examples[0] == ("jam buka museum", 2)
    assert first.languages == {"id": 2, "en": 1} and first.last_at.startswith("2026-12-03T11")


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "faq"
    shutil.copytree(CONTENT_DIR / "faq", folder)
    return folder


def test_an_edit_replaces_only_its_entry_and_retire_removes_it(faq_dir: Path) -> None:
    entries = {e.faq_id: e for e in load_faq(faq_dir)}
    target = entries["dd-diplomacy-4-0"]
    file = faq_dir / "digital_diplomacy.yml"
    original = file.read_text(encoding="utf-8")
    raw = entry_mapping(target)
    raw["answers"]["en"] = "A new answer."
    report = check_new_entries(
        [Candidate(raw, "console")], faq_dir, None, None, replacing=target.faq_id
    )
    [edited] = report.entries
    path, before, after = replace_entry(faq_dir, target.faq_id, edited)
    assert path == file and before == original
    reloaded = {e.faq_id: e for e in load_faq(faq_dir)}
    assert reloaded["dd-diplomacy-4-0"].answers["en"] == "A new answer."
    assert set(reloaded) == set(entries)
    # Every other entry's text, comments included, is where it was.
    head = original[: original.index("- id: dd-diplomacy-4-0")]
    assert after.startswith(head)
    assert after.endswith(original[original.index("- id: dd-strategy-map-2017") :])

    _, _, retired = replace_entry(faq_dir, "dd-diplomacy-4-0", None)
    assert "dd-diplomacy-4-0" not in {e.faq_id for e in load_faq(faq_dir)}
    assert "- id: dd-strategy-map-2017" in retired and retired.startswith(head.rstrip("\n"))
    with pytest.raises(KnowledgeInputError):
        replace_entry(faq_dir, "dd-diplomacy-4-0", None)


def test_checks_of_an_edit_do_not_find_the_entry_a_duplicate_of_itself(faq_dir: Path) -> None:
    target = next(e for e in load_faq(faq_dir) if e.faq_id == "dd-diplomacy-4-0")
    raw = entry_mapping(target)
    as_new = check_new_entries([Candidate(raw, "console")], faq_dir, None, None)
    assert any("duplicate id" in e for e in as_new.errors)
    as_edit = check_new_entries(
        [Candidate(raw, "console")], faq_dir, None, None, replacing=target.faq_id
    )
    assert as_edit.ok, as_edit.errors


def test_make_run_wires_a_reload_token_when_none_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from deploy.stack import StackConfig

    monkeypatch.delenv("DUTA_ADMIN_TOKEN", raising=False)
    first, second = StackConfig.from_env(), StackConfig.from_env()
    token = first.environment()["DUTA_ADMIN_TOKEN"]
    assert len(token) >= 24 and token != second.environment()["DUTA_ADMIN_TOKEN"]
    monkeypatch.setenv("DUTA_ADMIN_TOKEN", "the-operators-own-token")
    assert StackConfig.from_env().environment()["DUTA_ADMIN_TOKEN"] == "the-operators-own-token"


REAL = [
    ("Berapa biaya legalisir ijazah di KBRI?", "diploma"),
    ("biaya legalisasi ijazah di kedutaan berapa?", "diploma"),
    ("How much does it cost to legalise a diploma at the embassy?", "diploma"),
    ("Apakah museum Kemlu buka hari Minggu?", "museum"),
    ("Is the foreign ministry museum open on Sunday?", "museum"),
    ("jam buka museum kemlu", "museum"),
    ("Siapa presiden Amerika?", "president"),
    ("What's the weather in Tokyo?", "weather"),
    ("cara lapor diri online", "lapor-diri"),
    ("how do I do lapor diri online", "lapor-diri"),
]


def test_real_questions_group_by_meaning_across_languages() -> None:
    """The project's own model (the one the gateway loads), on the questions the bound was
    chosen on: paraphrases together, in either language; different topics apart."""
    from knowledge.paths import default_model_dir
    from knowledge.search import shared_embedder

    embedder = shared_embedder(str(default_model_dir()))
    groups = cluster(embedder.embed_queries([text for text, _ in REAL]))
    found = sorted(sorted(REAL[i][1] for i in group) for group in groups)
    topics = [REAL[i][1] for i in range(len(REAL))]
    expected = sorted(sorted(t for t in topics if t == topic) for topic in set(topics))
    assert found == expected

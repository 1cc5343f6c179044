"""The near-domain unanswerable set (issue 17) and the guard that keeps its test split held out."""

from __future__ import annotations

import pytest
import yaml

from bench import near_domain


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def test_set_parses_with_two_non_empty_splits() -> None:
    data = yaml.safe_load(near_domain.SET_FILE.read_text(encoding="utf-8"))
    assert set(data) == {"dev", "test"}
    for split in ("dev", "test"):
        assert data[split], split


def test_every_item_has_question_language_and_kind() -> None:
    data = yaml.safe_load(near_domain.SET_FILE.read_text(encoding="utf-8"))
    for split, items in data.items():
        for item in items:
            assert set(item) == {"q", "lang", "kind"}, (split, item)
            assert isinstance(item["q"], str) and item["q"].strip(), (split, item)
            assert item["lang"] in {"id", "en"}, (split, item)
            assert isinstance(item["kind"], str) and item["kind"].strip(), (split, item)
    # The loader the benchmark uses reads the same file without complaint.
    assert all(near_domain.load_set().values())


def test_no_duplicate_questions_within_or_across_splits() -> None:
    splits = near_domain.load_set()
    dev = [_normal(item.q) for item in splits["dev"]]
    test = [_normal(item.q) for item in splits["test"]]
    assert len(set(dev)) == len(dev)
    assert len(set(test)) == len(test)
    assert not set(dev) & set(test)


def test_show_misses_is_refused_on_the_test_split(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        near_domain.main(["--split", "test", "--show-misses"])
    assert exit_info.value.code == 2
    assert "held out" in capsys.readouterr().err


def test_show_misses_is_accepted_on_dev() -> None:
    args = near_domain.parse_args(["--split", "dev", "--show-misses"])
    assert args.show_misses and args.split == "dev"

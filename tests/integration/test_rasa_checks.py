"""Rasa's own checks on the trained model: data validation, the test stories, and the held-out
NLU examples of tests/nlu_test.yml (written apart from the training data).

Slow (each loads Rasa and TensorFlow, a minute or more), so they run only when the model
exists: `make setup` trains it. Set DUTA_SKIP_RASA_TESTS=1 to skip them in quick runs.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "duta.tar.gz"

pytestmark = pytest.mark.skipif(
    not (RASA.exists() and MODEL.exists()) or os.environ.get("DUTA_SKIP_RASA_TESTS") == "1",
    reason="needs .venv-rasa and a trained models/duta.tar.gz",
)


def _rasa(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )


def test_training_data_validates_without_warnings() -> None:
    result = _rasa("data", "validate", "--data", "training_data", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_story_tests_pass_without_prediction_errors(tmp_path: Path) -> None:
    result = _rasa(
        "test", "core",
        "--stories", "tests/rasa",
        "--model", str(MODEL),
        "--fail-on-prediction-errors",
        "--out", str(tmp_path),
    )  # fmt: skip
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert result.returncode == 0, failed + result.stderr[-3000:]
    assert "None of the test stories failed" in failed


@pytest.fixture(scope="module")
def heldout_intent_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("nlu-heldout")
    result = _rasa(
        "test", "nlu", "--model", str(MODEL), "--nlu", "tests/nlu_test.yml", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((out / "intent_report.json").read_text())


def test_heldout_intent_macro_f1_is_at_least_085(heldout_intent_report: dict) -> None:
    assert heldout_intent_report["macro avg"]["f1-score"] >= 0.85, heldout_intent_report[
        "macro avg"
    ]


def test_no_intent_is_left_behind_on_heldout_examples(heldout_intent_report: dict) -> None:
    # A good average can hide one intent the model never gets right.
    per_intent = {
        name: row["f1-score"]
        for name, row in heldout_intent_report.items()
        if isinstance(row, dict) and row.get("support")
        and name not in {"macro avg", "weighted avg", "micro avg"}
    }  # fmt: skip
    assert per_intent and min(per_intent.values()) >= 0.6, per_intent

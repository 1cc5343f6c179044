"""Rasa's own checks on the trained model: data validation and the test stories.

Slow (each loads Rasa and TensorFlow, a minute or more), so they run only when the model
exists: `make setup` trains it. Set DUTA_SKIP_RASA_TESTS=1 to skip them in quick runs.
"""

from __future__ import annotations

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

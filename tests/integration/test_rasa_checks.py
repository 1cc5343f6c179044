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


# Run in the Rasa environment: deploy/rasa_server.py's validator must judge action server
# responses exactly as Rasa's own jsonschema.validate() call does, and be the one Rasa uses.
LAUNCHER_CHECK = """
import json, sys
from jsonschema import ValidationError, validate
sys.path.insert(0, "deploy")
import rasa_server
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:9/webhook"))
assert RemoteAction._validate_action_result is rasa_server._validate_action_result
verdicts = []
for response in json.loads(sys.argv[1]):
    try:
        validate(response, RemoteAction.action_response_format_spec())
        expected = "ok"
    except ValidationError:
        expected = "invalid"
    try:
        action._validate_action_result(response)
        got = "ok"
    except ValidationError as error:
        got = "invalid" if "Failed to validate Action server response" in error.message else "?"
    verdicts.append([expected, got])
print(json.dumps(verdicts))
"""


def test_rasa_server_launcher_validates_action_responses_like_rasa() -> None:
    responses = [
        {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": []},
        {"events": [], "responses": [{"text": "Halo"}, {"custom": {"duta": {"fallback": True}}}]},
        {"events": [{"event": "slot", "name": "language"}], "responses": []},
        {"events": "slot", "responses": []},
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": [], "responses": ["text"]},
        [],
    ]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    result = subprocess.run(
        [str(RASA.parent / "python"), "-c", LAUNCHER_CHECK, json.dumps(responses)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    verdicts = json.loads(result.stdout.strip().splitlines()[-1])
    assert [got for _expected, got in verdicts] == [expected for expected, _got in verdicts]
    # Both kinds occur, so the comparison means something.
    assert {expected for expected, _got in verdicts} == {"ok", "invalid"}


# The launcher's other two fixes: event classes looked up once per type name, and everything
# alive once the model is loaded frozen out of the garbage collector's sight.
LAUNCHER_EVENTS_AND_GC = """
import asyncio, gc, json, sys
sys.path.insert(0, "deploy")
import rasa_server
import rasa.core.run
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

names = sorted({cls.type_name for cls in all_subclasses(Event)})
ours = [Event.resolve_by_type(name) for _ in range(2) for name in names]
rasas = [rasa_server._resolve_event_type(name) for _ in range(2) for name in names]
try:
    Event.resolve_by_type("no_such_event")
    unknown = "accepted"
except ValueError:
    unknown = "refused"

async def load(*args, **kwargs):
    return "agent"

rasa_server._load_agent_on_start = load
assert rasa.core.run.load_agent_on_start is rasa_server._load_agent_then_freeze
before = gc.get_freeze_count()
agent = asyncio.run(rasa.core.run.load_agent_on_start("model", None, None, None))
print(json.dumps({
    "names": len(names), "same": ours == rasas, "unknown": unknown, "agent": agent,
    "frozen_before": before, "frozen_after": gc.get_freeze_count(),
}))
"""


def test_rasa_server_launcher_resolves_events_like_rasa_and_freezes_the_loaded_model() -> None:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    result = subprocess.run(
        [str(RASA.parent / "python"), "-c", LAUNCHER_EVENTS_AND_GC],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["names"] > 20 and found["same"] is True
    assert found["unknown"] == "refused"
    assert found["agent"] == "agent"
    assert found["frozen_before"] == 0 and found["frozen_after"] > 100_000

"""Intent classification quality of the Rasa NLU model, for docs/benchmarks.md.

`python -m bench.nlu cv`       5-fold cross-validation on all of training_data/ (trains 5 models)
`python -m bench.nlu heldout`  the trained model (models/duta.tar.gz) on tests/nlu_test.yml

Both call Rasa's own `rasa test nlu` and read the macro-averaged intent F1 from its report.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

from bench.common import PROJECT_ROOT, machine

RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
OUT = PROJECT_ROOT / "var" / "bench" / "nlu"


def rasa_test_nlu(out: Path, *args: str) -> dict:
    """Run `rasa test nlu` and return its intent report (intent_report.json)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    command = [str(RASA), "test", "nlu", "--config", "config.yml", "--out", str(out), *args]
    subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True)
    return json.loads((out / "intent_report.json").read_text())


def summary(report: dict) -> str:
    macro = report["macro avg"]
    worst = sorted(
        (name for name in report if isinstance(report[name], dict) and "support" in report[name]
         and name not in {"macro avg", "weighted avg", "micro avg"}),
        key=lambda name: report[name]["f1-score"],
    )[:3]  # fmt: skip
    worst_text = ", ".join(f"{name} {report[name]['f1-score']:.3f}" for name in worst)
    return (
        f"macro-F1 {macro['f1-score']:.3f} (precision {macro['precision']:.3f}, "
        f"recall {macro['recall']:.3f}, {macro['support']} examples); lowest: {worst_text}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["cv", "heldout"])
    args = parser.parse_args()
    started = time.monotonic()
    if args.what == "cv":
        report = rasa_test_nlu(
            OUT / "cv",
            "--nlu", "training_data", "--cross-validation", "--folds", "5",
        )  # fmt: skip
    else:
        report = rasa_test_nlu(
            OUT / "heldout", "--model", "models/duta.tar.gz", "--nlu", "tests/nlu_test.yml"
        )
    print(f"{args.what}: {summary(report)}")
    print(f"{machine()}; {time.monotonic() - started:.0f} s; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

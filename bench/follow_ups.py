"""Which intents the trained model gives short follow-ups ("biayanya brp", "by whom?").

    .venv/bin/python -m bench.follow_ups [--data tests/data/nlu_follow_ups_check.yml]

The follow-ups held back from training_data/nlu_follow_ups.yml are all `ask_question`: the
intent whose action answers them with the conversation's context. Starts Rasa alone (private
port and token, models/duta.tar.gz) and asks its `/model/parse` for each; prints the share that
gets `ask_question`, the share that gets any question intent (`ask_*`, whose actions also search
with context) and the intents of the rest.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import yaml

from bench.common import PROJECT_ROOT, machine
from deploy.stack import Stack, StackConfig

DEFAULT_DATA = PROJECT_ROOT / "tests" / "data" / "nlu_follow_ups_check.yml"


def examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    block = next(item["examples"] for item in data["nlu"] if item.get("intent") == "ask_question")
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip()]


def parse(config: StackConfig, text: str) -> str:
    # Rasa's HTTP API takes its token as a query parameter (loopback only).
    url = f"{config.rasa_url}/model/parse?{urllib.parse.urlencode({'token': config.rasa_token})}"
    request = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["intent"]["name"]


def wait_for_rasa(config: StackConfig, stack: Stack, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.exited():
            raise RuntimeError(f"Rasa exited; {stack.log_hint()}")
        try:
            parse(config, "halo")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1.0)
    raise TimeoutError(f"Rasa not ready after {timeout:.0f} s; {stack.log_hint()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    texts = examples(args.data)
    with tempfile.TemporaryDirectory() as workdir:
        config = StackConfig.private(Path(workdir))
        stack = Stack(config)
        stack.start("rasa")
        try:
            wait_for_rasa(config, stack)
            intents = Counter(parse(config, text) for text in texts)
        finally:
            stack.stop_all()
    questions = sum(n for name, n in intents.items() if name.startswith("ask_"))
    print(f"short follow-ups ({args.data.name}, {len(texts)}); {machine()}")
    print(f"ask_question {intents['ask_question'] / len(texts):.2f}, any ask_* "
          f"{questions / len(texts):.2f}; all: {dict(intents.most_common())}")  # fmt: skip


if __name__ == "__main__":
    main()

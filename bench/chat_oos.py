"""Out of scope through the whole assistant: share of xSID utterances for which /api/chat
answers `fallback: true` (NLU, dialogue policies and the knowledge layer's "no answer" together).

    .venv/bin/python -m bench.chat_oos [--split valid|test] [--url http://127.0.0.1:8080]

Without --url it starts its own stack on free ports with the rate limits lifted. Each utterance
goes to a fresh sender, so no conversation context helps or hurts. Tune on valid, report test.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections import Counter

from bench.common import chat_gateway, machine
from bench.oos import load_xsid


def ask(url: str, sender: str, text: str) -> dict:
    body = json.dumps({"sender": sender, "message": text, "lang": None}).encode()
    request = urllib.request.Request(
        f"{url}/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def measure(url: str, split: str) -> None:
    print(f"xSID {split} through /api/chat; {machine()}")
    print("| language | utterances | fallback | share |\n|---|---|---|---|")
    for lang in ("id", "en"):
        rows = load_xsid(split, lang)
        answered: Counter[str] = Counter()
        fallback = 0
        for n, (intent, text) in enumerate(rows):
            body = ask(url, f"xsid-{split}-{lang}-{n}", text)
            if body["fallback"]:
                fallback += 1
            else:
                answered[intent] += 1
        print(f"| {lang} | {len(rows)} | {fallback} | {fallback / len(rows):.3f} |")
        print(f"  answered (not fallback) by xSID intent: {dict(answered.most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["valid", "test"], default="test")
    parser.add_argument("--url", help="a running gateway; default: start a stack")
    args = parser.parse_args()
    with chat_gateway(args.url) as url:
        started = time.monotonic()
        measure(url, args.split)
        print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

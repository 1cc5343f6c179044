"""Time from `faq add` to the answer through /api/chat, in both languages, on a running stack.

    .venv/bin/python -m bench.retrain [--runs 3]

Starts its own stack on free ports with a private copy of knowledge/ and of the index (the
repository's files are never touched), then for each run adds an FAQ and polls /api/chat in
Indonesian and English until both answer it, and undoes it (rollback, file removed) for the next
run. Two ways are timed: `faq add --retrain` (one command, one model load) and `faq add` then
`retrain` (two commands, as `make retrain` after an edit). Rasa is not retrained (an FAQ does not
need it). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from deploy.stack import Stack, StackConfig
from tests.integration.knowledge_copy import private_knowledge

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.5
GIVE_UP_SECONDS = 300


def chat(url: str, message: str, lang: str) -> dict:
    sender = f"bench-{uuid.uuid4().hex[:10]}"  # a new conversation per question
    body = json.dumps({"sender": sender, "message": message, "lang": lang})
    request = urllib.request.Request(
        f"{url}/api/chat", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def answered(url: str, questions: dict[str, str], marker: str) -> bool:
    return all(
        any(marker in m["text"] for m in chat(url, q, lang)["messages"])
        for lang, q in questions.items()
    )


def knowledge(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{result.stdout}\n{result.stderr}")
    return time.monotonic() - started


NAME = "Sesdilu"  # Kemlu's course for diplomats; not in the knowledge base
TEMPLATES = {
    "id": ["Apa itu {name}?", "{name} itu apa?", "Apa yang dimaksud dengan {name} Kemlu?"],
    "en": [
        "What is {name}?",
        "What is the {name} course at Kemlu?",
        "What does {name} at the foreign ministry mean?",
        "Tell me about {name}, the Kemlu course",
    ],
}


def reaching_phrasings(url: str, name: str) -> dict[str, str]:
    """Per language, a phrasing Rasa sends to the knowledge layer (it says "no answer" now)."""
    from actions.texts import say

    chosen = {}
    for lang, templates in TEMPLATES.items():
        for template in templates:
            reply = chat(url, template.format(name=name), lang)
            if reply["messages"] and reply["messages"][0]["text"] == say("no_answer", lang):
                chosen[lang] = template.format(name=name)
                break
        else:
            raise SystemExit(f"no {lang} phrasing about {name} reaches the knowledge layer")
    return chosen


def one_run(
    url: str, env: dict[str, str], questions: dict[str, str], two_commands: bool
) -> dict[str, float]:
    """Add the FAQ, time until both languages answer it, then undo it (index and file)."""
    marker = uuid.uuid4().hex[:6].upper()
    add = [
        "faq", "add", "--id", f"bench-{marker.lower()}",
        *[a for t in TEMPLATES["id"] for a in ("--question-id", t.format(name=NAME))],
        *[a for t in TEMPLATES["en"] for a in ("--question-en", t.format(name=NAME))],
        "--answer-id", f"{NAME} adalah kursus diplomat Kemlu (entri benchmark {marker}).",
        "--answer-en", f"{NAME} is a Kemlu diplomat course (benchmark entry {marker}).",
        "--source-title", "Benchmark entry", "--source-date", "2026-12-06", "--file", "bench",
    ]  # fmt: skip
    started = time.monotonic()
    if two_commands:
        commands = knowledge(env, *add)
        commands += knowledge(env, "retrain", "--rasa", "skip")
    else:
        commands = knowledge(env, *add, "--retrain", "--rasa", "skip")
    while not answered(url, questions, marker):
        if time.monotonic() - started > GIVE_UP_SECONDS:
            raise SystemExit(f"not answered after {GIVE_UP_SECONDS} s")
        time.sleep(POLL_SECONDS)
    result = {"commands": commands, "answered": time.monotonic() - started}
    knowledge(env, "rollback")
    (Path(env["DUTA_KNOWLEDGE_DIR"]) / "faq" / "bench.yml").unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duta-bench-retrain-") as tmp:
        workdir = Path(tmp)
        extra = private_knowledge(workdir)
        config = StackConfig.private(
            workdir,
            extra_env={**extra, "RATE_LIMIT_SENDER_PER_MIN": "0", "RATE_LIMIT_IP_PER_MIN": "0"},
        )
        env = {
            **os.environ,
            **extra,
            "ACTION_SERVER_URL": f"http://127.0.0.1:{config.action_port}",
            "RASA_URL": config.rasa_url,
            "RASA_TOKEN": config.rasa_token,
            "DUTA_CHANGED_BY": "bench",
        }
        stack = Stack(config)
        stack.start_all()
        try:
            stack.wait_healthy(timeout=900)
            questions = reaching_phrasings(config.gateway_url, NAME)
            rows = []
            for mode in (False, True):
                for _run in range(args.runs):
                    result = one_run(config.gateway_url, env, questions, mode)
                    rows.append((mode, result))
                    label = "add, retrain" if mode else "add --retrain"
                    print(
                        f"{label}: commands {result['commands']:.1f} s, "
                        f"answered in both languages after {result['answered']:.1f} s",
                        flush=True,
                    )
        finally:
            stack.stop_all()
    load = os.getloadavg()[0]
    print(
        f"\n{dt.date.today()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"load average {load:.1f} at the end\n"
    )
    print("| flow | runs | commands (median) | answered in id + en (median, max) |")
    print("|---|---|---|---|")
    for mode, label in ((False, "`faq add --retrain`"), (True, "`faq add` then `retrain`")):
        values = [r for m, r in rows if m == mode]
        commands = statistics.median(r["commands"] for r in values)
        answers = [r["answered"] for r in values]
        print(
            f"| {label} | {len(values)} | {commands:.1f} s | "
            f"{statistics.median(answers):.1f} s, {max(answers):.1f} s |"
        )


if __name__ == "__main__":
    main()

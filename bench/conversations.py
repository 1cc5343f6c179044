"""Multi-turn conversations through /api/chat (issue 18): conversations passed whole, and turns.

    .venv/bin/python -m bench.conversations [--split dev|heldout] [--url URL] [--show-misses]

The conversations are `tests/conversations/<split>/*.yml`, written blind from the knowledge brief
and the answers: each turn is what the user types (`user`) or the title of a button of the
previous reply they press (`button`), and what the reply must hold (`expect`): its `language`,
its `fallback` flag, `facts` (regexes, case-insensitive, every one must match the reply's text)
and `not` (regexes none may match). A turn passes when all of these hold; a conversation passes
when all its turns do. Every conversation gets a fresh sender. Without --url it starts its own
stack. The held-out split's misses are never shown: --show-misses is dev only.
"""

from __future__ import annotations

import argparse
import re
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.chat_oos import ask
from bench.common import PROJECT_ROOT, chat_gateway, machine

SET_DIR = PROJECT_ROOT / "tests" / "conversations"
SPLITS = ("dev", "heldout")


@dataclass
class Outcome:
    conversations: Counter[str] = field(default_factory=Counter)  # by kind, and "all"
    passed: Counter[str] = field(default_factory=Counter)
    turns: int = 0
    turns_passed: int = 0
    misses: list[str] = field(default_factory=list)


def load_split(split: str, root: Path = SET_DIR) -> list[dict[str, Any]]:
    conversations: list[dict[str, Any]] = []
    for path in sorted((root / split).glob("*.yml")):
        conversations.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return conversations


def reply_text(body: dict[str, Any]) -> str:
    return "\n".join(m.get("text") or "" for m in body.get("messages", []))


def button_payload(body: dict[str, Any] | None, title: str) -> str | None:
    for message in (body or {}).get("messages", []):
        for button in message.get("buttons") or []:
            if button.get("title", "").strip().lower() == title.strip().lower():
                return button.get("payload")
    return None


def turn_problems(expect: dict[str, Any], body: dict[str, Any]) -> list[str]:
    """What the reply gets wrong; empty when the turn passes."""
    problems = []
    if "language" in expect and body.get("language") != expect["language"]:
        problems.append(f"language {body.get('language')} != {expect['language']}")
    if "fallback" in expect and body.get("fallback") != expect["fallback"]:
        problems.append(f"fallback {body.get('fallback')} != {expect['fallback']}")
    said = reply_text(body)
    for fact in expect.get("facts") or []:
        if not re.search(fact, said, re.IGNORECASE):
            problems.append(f"missing /{fact}/")
    for wrong in expect.get("not") or []:
        if re.search(wrong, said, re.IGNORECASE):
            problems.append(f"has /{wrong[:60]}/")
    return problems


def converse(url: str, sender: str, conversation: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(what was said, problems) per turn."""
    results: list[tuple[str, list[str]]] = []
    previous: dict[str, Any] | None = None
    for turn in conversation["turns"]:
        if "button" in turn:
            payload = button_payload(previous, turn["button"])
            if payload is None:
                results.append((f"[{turn['button']}]", ["no such button in the previous reply"]))
                previous = None
                continue
            said = payload
        else:
            said = turn["user"]
        previous = ask(url, sender, said)
        results.append((said, turn_problems(turn.get("expect") or {}, previous)))
    return results


def measure(url: str, split: str, keep_misses: bool) -> Outcome:
    outcome = Outcome()
    run = uuid.uuid4().hex[:8]
    for n, conversation in enumerate(load_split(split)):
        results = converse(url, f"conv-{split}-{run}-{n}", conversation)
        whole = all(not problems for _, problems in results)
        for kind in ["all", *conversation.get("kinds", [])]:
            outcome.conversations[kind] += 1
            outcome.passed[kind] += whole
        outcome.turns += len(results)
        outcome.turns_passed += sum(not problems for _, problems in results)
        if keep_misses and not whole:
            lines = [f"- {conversation['id']}"]
            lines += [f"    {said[:70]!r}: {'; '.join(p)}" for said, p in results if p]
            outcome.misses.append("\n".join(lines))
    return outcome


def report(split: str, outcome: Outcome) -> None:
    whole, turns = outcome.conversations["all"], outcome.turns
    print("| split | conversations passed whole | turns passed |\n|---|---|---|")
    print(
        f"| {split} | {outcome.passed['all']}/{whole} = {outcome.passed['all'] / whole:.3f} "
        f"| {outcome.turns_passed}/{turns} = {outcome.turns_passed / turns:.3f} |"
    )
    print("\n| kind | conversations | passed whole |\n|---|---|---|")
    for kind in sorted(k for k in outcome.conversations if k != "all"):
        print(f"| {kind} | {outcome.conversations[kind]} | {outcome.passed[kind]} |")
    if outcome.misses:
        print("\nConversations that failed:\n" + "\n".join(outcome.misses))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--url", help="a running gateway; default: start a private stack")
    parser.add_argument("--show-misses", action="store_true", help="failed turns (dev only)")
    args = parser.parse_args(argv)
    if args.show_misses and args.split != "dev":
        parser.error("--show-misses is for --split dev only; the held-out split stays unread")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with chat_gateway(args.url) as url:
        print(f"conversations, {args.split}, through /api/chat; {machine()}")
        started = time.monotonic()
        report(args.split, measure(url, args.split, args.show_misses))
        print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

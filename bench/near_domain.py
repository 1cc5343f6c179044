"""Near-domain unanswerable questions (issue 17): share that /api/chat declines (`fallback: true`).

    .venv/bin/python -m bench.near_domain [--split dev|test] [--url URL] [--json FILE]
    .venv/bin/python -m bench.near_domain --split dev --show-misses

The questions sit next to Duta's knowledge (Kemlu, visas, passports, events, ...) but their answers
are not in it, so every one should be declined. Without --url it starts its own stack on free ports
with the rate limits lifted (as bench.chat_oos does). Each question goes to a fresh sender. Tune on
dev; test is held out: its misses are never printed or written, so --show-misses is dev only.
"""

from __future__ import annotations

import argparse
import json
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

SET_FILE = PROJECT_ROOT / "tests" / "data" / "near_domain_unanswerable.yml"
SPLITS = ("dev", "test")
LANGS = ("id", "en")
MISS_PREVIEW = 100


@dataclass(frozen=True)
class Item:
    q: str
    lang: str
    kind: str


@dataclass
class Result:
    split: str
    questions: Counter[str] = field(default_factory=Counter)  # by language
    declined: Counter[str] = field(default_factory=Counter)
    kind_questions: Counter[str] = field(default_factory=Counter)
    kind_declined: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, str]] = field(default_factory=list)  # dev only


def load_set(path: Path = SET_FILE) -> dict[str, list[Item]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {split: [Item(**row) for row in data[split]] for split in SPLITS}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--url", help="a running gateway; default: start a private stack")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the counts as JSON")
    parser.add_argument(
        "--show-misses", action="store_true", help="list answered questions (dev split only)"
    )
    args = parser.parse_args(argv)
    # The test split is held out: reading its misses would turn it into a second dev set.
    if args.show_misses and args.split != "dev":
        parser.error("--show-misses is for --split dev only; the test split is held out")
    return args


def measure(url: str, split: str, keep_misses: bool) -> Result:
    result = Result(split)
    # A per-run prefix keeps senders fresh even against a long-running gateway (--url), whose
    # tracker would otherwise continue an earlier run's conversation.
    run = uuid.uuid4().hex[:8]
    for n, item in enumerate(load_set()[split]):
        body = ask(url, f"near-{split}-{run}-{n}", item.q)
        result.questions[item.lang] += 1
        result.kind_questions[item.kind] += 1
        if body["fallback"]:
            result.declined[item.lang] += 1
            result.kind_declined[item.kind] += 1
        elif keep_misses:
            answer = " ".join(m.get("text") or "" for m in body["messages"])
            result.misses.append(
                {"q": item.q, "lang": item.lang, "kind": item.kind, "answer": answer}
            )
    return result


def share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def report(result: Result) -> None:
    print("| split | language | questions | declined | share |\n|---|---|---|---|---|")
    for lang in (*LANGS, "all"):
        n = result.questions.total() if lang == "all" else result.questions[lang]
        d = result.declined.total() if lang == "all" else result.declined[lang]
        print(f"| {result.split} | {lang} | {n} | {d} | {share(d, n)} |")
    print("\n| kind | questions | declined | share |\n|---|---|---|---|")
    for kind in sorted(result.kind_questions):
        n, d = result.kind_questions[kind], result.kind_declined[kind]
        print(f"| {kind} | {n} | {d} | {share(d, n)} |")
    if result.misses:
        print(f"\nAnswered (not declined), {len(result.misses)}:")
        for miss in result.misses:
            answer = " ".join(miss["answer"].split())[:MISS_PREVIEW]
            print(f"- [{miss['lang']}, {miss['kind']}] {miss['q']}\n    → {answer}")


def as_json(result: Result, header: str) -> dict[str, Any]:
    return {
        "split": result.split,
        "run": header,
        "by_language": {
            lang: {"questions": result.questions[lang], "declined": result.declined[lang]}
            for lang in LANGS
        },
        "by_kind": {
            kind: {"questions": n, "declined": result.kind_declined[kind]}
            for kind, n in sorted(result.kind_questions.items())
        },
        # Empty unless --show-misses on dev; test misses never leave this process.
        "misses": result.misses,
    }


def run(url: str, args: argparse.Namespace) -> None:
    header = f"near-domain unanswerable, {args.split} through /api/chat; {machine()}"
    print(header)
    started = time.monotonic()
    result = measure(url, args.split, keep_misses=args.show_misses and args.split == "dev")
    report(result)
    print(f"{time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(as_json(result, header), ensure_ascii=False, indent=1), encoding="utf-8"
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with chat_gateway(args.url) as url:
        run(url, args)


if __name__ == "__main__":
    main()

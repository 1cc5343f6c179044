"""Out-of-scope benchmark: share of xSID utterances (weather, alarms, music, films, ...) for which
the knowledge base says "no answer" (answerable=False), per split and language, over the project's
index. Also reports how many in-scope dev/test questions the same decision lets through.

    python -m bench.oos [--index DIR]
    python -m bench.oos --signals FILE   # dump (dense, coverage) per utterance, for calibration
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.common import EVAL_DIR, machine
from knowledge.build.evaluation import default_questions_path, load_questions
from knowledge.search import KnowledgeBase


def load_xsid(split: str, lang: str) -> list[tuple[str, str]]:
    path = EVAL_DIR / "xsid-oos" / f"{lang}.{split}.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            intent, text = line.split("\t", 1)
            rows.append((intent, text.strip()))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--signals", type=Path, help="write per-utterance signals as JSON lines")
    args = parser.parse_args()
    kb = KnowledgeBase.load(args.index)
    signals = args.signals.open("w", encoding="utf-8") if args.signals else None
    print(
        f"xSID out of scope over index {kb.version}; {machine()}; "
        f"thresholds {kb.thresholds.as_dict()}"
    )
    print("| split | language | utterances | no answer |\n|---|---|---|---|")
    for split in ("valid", "test"):
        for lang in ("id", "en"):
            rows = load_xsid(split, lang)
            declined = 0
            for intent, text in rows:
                result = kb.search(text, k=5)
                declined += not result.answerable
                if signals:
                    signals.write(
                        json.dumps(
                            {
                                "set": f"xsid-{split}",
                                "lang": lang,
                                "intent": intent,
                                "text": text,
                                "in_scope": False,
                                **result.signals,
                            }
                        )
                        + "\n"
                    )
            print(f"| {split} | {lang} | {len(rows)} | {declined / len(rows):.3f} |", flush=True)
    for split in ("dev", "test"):
        questions = load_questions(default_questions_path(), split)
        answered = 0
        for q in questions:
            result = kb.search(q.text, k=5)
            answered += result.answerable
            if signals:
                signals.write(
                    json.dumps(
                        {
                            "set": f"questions-{split}",
                            "text": q.text,
                            "in_scope": True,
                            "right_first": bool(result.hits) and result.hits[0].doc_id in q.expect,
                            **result.signals,
                        }
                    )
                    + "\n"
                )
        share = f"{answered / len(questions):.3f}" if questions else "no questions"
        print(f"in-scope questions ({split}): {answered}/{len(questions)} answerable ({share})")
    if signals:
        signals.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

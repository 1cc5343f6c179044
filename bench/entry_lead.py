"""How far an entry must lead the next record to beat a flow (actions/answer.py, ENTRY_LEAD).

    .venv/bin/python -m bench.entry_lead [--index DIR]

When the NLU picks a flow's intent (the visa form, the events list, the handoff), a FAQ entry that
answers the question itself is the answer instead (issue 22, point 4). "Answers the question
itself" is: answerable, and its confidence leads the next record's by at least ENTRY_LEAD. Two
dev sets pull the bar in opposite directions:

- kept: retrieval dev questions whose right record is a FAQ entry and comes first answerable; an
  entry that leads by the bar is answered even when a flow caught the question (higher is better);
- taken: the flows' own training examples (training_data/nlu.yml, intents ask_visa, ask_events,
  human_handoff: "visa", "ada acara apa aja?", "can I talk to a person?"), which the flow answers
  better; an entry that leads by the bar takes them from the flow (lower is better).

The pick maximises kept minus taken (Youden's J). Dev data only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from actions.held import plain_example
from bench.common import PROJECT_ROOT, machine
from knowledge.build.evaluation import default_questions_path, load_questions
from knowledge.search import KnowledgeBase, SearchResult

NLU = PROJECT_ROOT / "training_data" / "nlu.yml"
FLOW_INTENTS = ("ask_visa", "ask_events", "human_handoff")
LEADS = np.round(np.arange(0.0, 0.101, 0.01), 3)


def flow_examples(path: Path = NLU) -> list[str]:
    """The training examples of the flows' intents, entity annotations removed."""
    examples = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if item.get("intent") in FLOW_INTENTS:
            for line in item["examples"].splitlines():
                text = plain_example(line.strip().removeprefix("- "))
                if text:
                    examples.append(text)
    return examples


def lead(result: SearchResult) -> float:
    return result.signals.get("confidence", 0.0) - result.signals.get("runner_up", 0.0)


def entry_leads(result: SearchResult) -> float | None:
    """The lead of an answerable FAQ entry; None when the answer is no entry or there is none."""
    if not result.answerable or not result.hits or result.hits[0].kind != "faq":
        return None
    return lead(result)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--index", type=Path)
    args = parser.parse_args(argv)
    kb = KnowledgeBase.load(args.index)
    questions = load_questions(default_questions_path(), "dev")
    kept: list[float] = []
    for question, result in zip(
        questions, kb.search_many([q.text for q in questions], k=5), strict=True
    ):
        led = entry_leads(result)
        if led is not None and result.hits[0].doc_id in set(question.expect):
            kept.append(led)
    examples = flow_examples()
    taken = [entry_leads(r) for r in kb.search_many(examples, k=5)]
    taken_leads = np.array([t for t in taken if t is not None])
    kept_leads = np.array(kept)
    print(f"Entry lead over flows, dev; {machine()}")
    print(
        f"{len(kept_leads)} retrieval dev questions answered right by a FAQ entry; "
        f"{len(examples)} flow examples ({', '.join(FLOW_INTENTS)}), "
        f"{len(taken_leads)} of them answerable by an entry\n"
    )
    print("| lead ≥ | kept (right entry answers) | taken (flow example answered by an entry) | J |")
    print("|---|---|---|---|")
    best = None
    for bar in LEADS:
        k = float((kept_leads >= bar).mean()) if len(kept_leads) else 0.0
        t = float((taken_leads >= bar).sum() / len(examples)) if examples else 0.0
        print(f"| {bar:.2f} | {k:.3f} | {t:.3f} | {k - t:.3f} |")
        if best is None or k - t > best[1]:
            best = (float(bar), k - t)
    assert best is not None
    print(f"\npick: lead ≥ {best[0]:.2f} (J {best[1]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

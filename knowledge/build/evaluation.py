"""Accuracy of the knowledge base on a labelled question set.

The project's set is tests/data/retrieval_questions.yml: dev for tuning, test only reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from knowledge.paths import PROJECT_ROOT
from knowledge.records import KnowledgeInputError


class Searcher(Protocol):
    def search(self, query: str, k: int = 5, lang: str | None = None) -> Any: ...


@dataclass(frozen=True)
class Question:
    text: str
    expect: tuple[str, ...]  # acceptable doc_id / FAQ ids, the first is the intended one
    style: str
    split: str
    batch: str = ""  # e.g. "fresh": questions added later, also reported on their own


def default_questions_path() -> Path:
    return PROJECT_ROOT / "tests" / "data" / "retrieval_questions.yml"


def load_questions(path: Path, split: str = "all") -> list[Question]:
    """Questions of one split ('dev', 'test') or of both ('all')."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KnowledgeInputError(f"question file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeInputError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not {"dev", "test"} & set(data):
        raise KnowledgeInputError(f"{path}: expected a mapping with 'dev' and 'test' lists")
    out: list[Question] = []
    for name in ("dev", "test"):
        if split not in (name, "all"):
            continue
        for index, item in enumerate(data.get(name) or []):
            if not isinstance(item, dict) or not item.get("q") or not item.get("expect"):
                raise KnowledgeInputError(f"{path}: {name}[{index}] needs 'q' and 'expect'")
            expect = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
            out.append(
                Question(
                    str(item["q"]),
                    tuple(map(str, expect)),
                    str(item.get("style", "")),
                    name,
                    str(item.get("batch", "")),
                )
            )
    return out


class Tally(defaultdict[str, list[int]]):
    """Right first / asked, per key (a style, a batch, a language, a FAQ family)."""

    def __init__(self) -> None:
        super().__init__(lambda: [0, 0])

    def add(self, key: str, right: bool) -> None:
        self[key][0] += right
        self[key][1] += 1

    def rates(self, counted: str) -> dict[str, dict[str, float]]:
        """Per key: how many were asked (under the name `counted`) and the share right first."""
        return {k: {counted: v[1], "top1": round(v[0] / v[1], 4)} for k, v in self.items()}

    def __str__(self) -> str:
        return ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(self.items()))


@dataclass
class EvalReport:
    total: int = 0
    top1: int = 0
    top5: int = 0
    top1_answerable: int = 0  # right first AND the "no answer" decision let it through
    by_style: Tally = field(default_factory=Tally)
    by_batch: Tally = field(default_factory=Tally)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def rate(self, hits: int) -> float:
        return hits / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "questions": self.total,
            "top1": round(self.rate(self.top1), 4),
            "top5": round(self.rate(self.top5), 4),
            "top1_and_answerable": round(self.rate(self.top1_answerable), 4),
            "by_style": self.by_style.rates("questions"),
            "by_batch": self.by_batch.rates("questions"),
            "failures": self.failures,
        }

    def summary(self) -> str:
        return (
            f"{self.total} questions: right first {self.rate(self.top1):.3f}, in top 5 "
            f"{self.rate(self.top5):.3f}, right first and answerable "
            f"{self.rate(self.top1_answerable):.3f}\n  by style: {self.by_style}\n"
            f"  by batch: {self.by_batch}"
        )


def evaluate(kb: Searcher, questions: list[Question], k: int = 5) -> EvalReport:
    report = EvalReport()
    for question in questions:
        result = kb.search(question.text, k=k)
        ids = [hit.doc_id for hit in result.hits]
        first_ok = bool(ids) and ids[0] in question.expect
        report.total += 1
        report.top1 += first_ok
        report.top5 += any(i in question.expect for i in ids[:5])
        report.top1_answerable += first_ok and result.answerable
        report.by_style.add(question.style, first_ok)
        report.by_batch.add(question.batch or "original", first_ok)
        if not (first_ok and result.answerable):
            report.failures.append(
                {
                    "question": question.text,
                    "expect": list(question.expect),
                    "expected": question.expect[0],
                    "got": ids[:3],
                    "answerable": result.answerable,
                    "split": question.split,
                }
            )
    return report
